"""Row locks of the inventory app, in one place. The project-wide lock order (docs/architecture.md):
cart -> order -> stock rows in pk order -> allocations -> coupon -> product."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inventory.models import Allocation, Stock

if TYPE_CHECKING:
    from inventory.protocols import OrderRef


def stocks_lock(**filters: Any) -> list[Stock]:
    """Lock the matching stock rows in primary-key order (the one global order for stock rows), so
    two checkouts wanting the same variants queue up instead of deadlocking."""
    return list(
        Stock.objects.select_for_update(of=("self",))
        .select_related("warehouse", "variant")
        .filter(**filters)
        .order_by("pk")
    )


def allocations_lock(order: OrderRef) -> list[Allocation]:
    """Lock the order's open allocations in pk order; taken after its stock rows."""
    return list(
        Allocation.objects.select_for_update(of=("self",))
        .filter(order_line__order_id=order.pk, quantity__gt=0)
        .order_by("pk")
    )

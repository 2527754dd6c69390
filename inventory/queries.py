"""Reads of stock for other apps (catalog listings, cart) and the inventory API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from inventory.models import Allocation, Stock, StockAlert, StockMovement, Warehouse

if TYPE_CHECKING:  # django-stubs-ext is a dev requirement: types only
    from django_stubs_ext import WithAnnotations


class _OpenUnits(TypedDict):
    open_units: int


class _LedgerUnits(TypedDict):
    ledger_units: int


def variant_availability(variant_ids: Iterable[int]) -> dict[int, int]:
    """Available units (on hand minus allocated) per variant over active warehouses, one query.

    Every asked variant is in the answer; variants without stock rows have 0.
    """
    ids = {int(pk) for pk in variant_ids}
    if not ids:
        return {}
    rows = (
        Stock.objects.filter(variant_id__in=ids, warehouse__is_active=True)
        .values("variant_id")
        .annotate(units=Sum(F("quantity") - F("quantity_allocated")))
        .values_list("variant_id", "units")
    )
    availability = dict.fromkeys(ids, 0)
    availability.update({variant_id: max(units or 0, 0) for variant_id, units in rows})
    return availability


def default_warehouse() -> Warehouse:
    """The active warehouse allocated from first; creates "main" on an empty install."""
    warehouse = Warehouse.objects.filter(is_active=True).order_by("priority", "code").first()
    if warehouse is None:
        warehouse, _created = Warehouse.objects.get_or_create(
            code="main", defaults={"name": _("Main warehouse")}
        )
    return warehouse


def _open_allocation_units() -> Coalesce:
    return Coalesce(
        Subquery(
            Allocation.objects.filter(stock_id=OuterRef("pk"), quantity__gt=0)
            .values("stock_id")
            .annotate(units=Sum("quantity"))
            .values("units")
        ),
        0,
    )


def _ledger_units() -> Coalesce:
    return Coalesce(
        Subquery(
            StockMovement.objects.filter(stock_id=OuterRef("pk"))
            .values("stock_id")
            .annotate(units=Sum("delta"))
            .values("units")
        ),
        0,
    )


def stock_allocation_drift(
    stock_ids: Iterable[int] | None = None,
) -> QuerySet[WithAnnotations[Stock, _OpenUnits]]:
    """Stock rows whose quantity_allocated differs from the sum of their open allocations, with
    `open_units`. Subqueries, not joins, so the two sums cannot multiply each other."""
    qs = Stock.objects.all() if stock_ids is None else Stock.objects.filter(pk__in=stock_ids)
    return (
        qs.annotate(open_units=_open_allocation_units())
        .exclude(quantity_allocated=F("open_units"))
        .select_related("variant", "warehouse")
        .order_by("pk")
    )


def stock_ledger_drift(
    stock_ids: Iterable[int] | None = None,
) -> QuerySet[WithAnnotations[Stock, _LedgerUnits]]:
    """Stock rows whose quantity differs from the sum of their ledger deltas, with `ledger_units`."""
    qs = Stock.objects.all() if stock_ids is None else Stock.objects.filter(pk__in=stock_ids)
    return (
        qs.annotate(ledger_units=_ledger_units())
        .exclude(quantity=F("ledger_units"))
        .select_related("variant", "warehouse")
        .order_by("pk")
    )


def stock_alert_counts() -> dict[str, int]:
    """Open low-stock alerts by level (`low`, `out`), as inventory/summary/ and the admin's alert
    list count them. One query."""
    counts = StockAlert.objects.filter(resolved_at__isnull=True).aggregate(
        low=Count("pk", filter=Q(level=StockAlert.Level.LOW)),
        out=Count("pk", filter=Q(level=StockAlert.Level.OUT)),
    )
    return {"low": counts["low"], "out": counts["out"]}

"""Reads of stock for other apps (catalog listings, cart) and the inventory API."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Sum
from django.utils.translation import gettext as _

from inventory.models import Stock, Warehouse


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
        .annotate(available=Sum(F("quantity") - F("quantity_allocated")))
        .values_list("variant_id", "available")
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

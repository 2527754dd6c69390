"""Row locks of the catalog app, in one place. The project-wide lock order (docs/architecture.md):
cart -> order -> stock rows in pk order -> allocations -> coupon -> product. Products come last,
several of them in pk order; a variant or review write locks its product's row first."""

from __future__ import annotations

from collections.abc import Iterable

from catalog.models import Product


def product_lock(pk: int) -> None:
    """Lock one product row: variant, review and admin edits of a product queue up on it."""
    Product.objects.select_for_update().filter(pk=pk).values_list("pk").first()


def products_lock(pks: Iterable[int]) -> list[int]:
    """Lock product rows in pk order and return their ids, before an UPDATE of several: a single
    UPDATE ... WHERE id IN (...) locks in whatever order the plan visits the rows, and deadlocks
    against a transaction that took the same rows in pk order (order_ship's sales counts)."""
    return list(
        Product.objects.select_for_update()
        .filter(pk__in=sorted(set(pks)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )

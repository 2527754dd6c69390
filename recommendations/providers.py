"""recommendations' answers to catalog.suggestions' entry points (registered in apps.ready):
the storefront pages below this app (home, product page, cart) show and record through them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from catalog.suggestions import ProductSuggestions, Suggestion
from recommendations import buffer, queries, services

if TYPE_CHECKING:
    from catalog.models import Product

logger = logging.getLogger(__name__)


def for_you(user: Any, *, limit: int) -> list[Suggestion]:
    return [Suggestion(r.product, r.reason) for r in queries.for_user(user, limit=limit)]


def similar(product: Product, *, limit: int) -> list[Suggestion]:
    try:
        found = queries.similar(product.pk, limit=limit)
    except queries.SourceNotShown:
        return []
    return [Suggestion(r.product, r.reason) for r in found]


def also_bought(product: Product, *, limit: int) -> list[Suggestion]:
    try:
        found = queries.also_bought(product.pk, limit=limit)
    except queries.SourceNotShown:
        return []
    return [Suggestion(r.product, r.reason) for r in found]


def for_product(product: Product, *, limit: int) -> ProductSuggestions:
    similar_found, also_found = queries.for_product(product, limit=limit)
    return ProductSuggestions(
        similar=[Suggestion(r.product, r.reason) for r in similar_found],
        also_bought=[Suggestion(r.product, r.reason) for r in also_found],
    )


def record(kind: str, product_ids: Sequence[int], *, user: Any = None, visitor: str = "") -> None:
    services.events_record(kind, product_ids, user=user, visitor=visitor)


def flush_after_request(**kwargs: Any) -> None:
    """request_finished: without Redis the buffer lives in this process; write it once the
    response has left (no query on the request path, no event lost to a separate beat process)."""
    if buffer.pending_in_process():
        try:
            services.events_flush()
        except Exception:  # the response is gone; the beat task tries again
            logger.exception("writing buffered behaviour events failed")

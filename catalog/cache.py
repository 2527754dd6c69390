"""Caching of catalogue answers, and the one way to invalidate them.

Anything that changes what a shopper sees of a product (product, variant, price, image, stock) calls
`catalog_cache_invalidate(product_ids)`, on commit. Product detail answers are cached per product and
deleted here; list answers carry a global version number that is bumped here, so every cached list
is stale at once without scanning keys (works the same on locmem and Redis).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache

LIST_VERSION_KEY = "catalog:list-version"


def list_version() -> int:
    version = cache.get(LIST_VERSION_KEY)
    if version is None:
        cache.add(LIST_VERSION_KEY, 1, timeout=None)
        version = cache.get(LIST_VERSION_KEY, 1)
    return version


def detail_key(product_id: int) -> str:
    return f"catalog:product:{product_id}"


def catalog_cache_invalidate(product_ids: Iterable[int] = ()) -> None:
    """Forget cached answers for these products and every cached list."""
    ids = {int(pk) for pk in product_ids}
    if ids:
        cache.delete_many([detail_key(pk) for pk in ids])
    try:
        cache.incr(LIST_VERSION_KEY)
    except ValueError:  # the key was evicted or never set
        cache.set(LIST_VERSION_KEY, 2, timeout=None)

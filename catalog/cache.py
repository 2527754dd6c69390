"""Caching of catalogue answers, and the one way to invalidate them.

Anything that changes what a shopper sees of a product (product, variant, price, image, stock) calls
`catalog_cache_invalidate(product_ids)`, on commit. Product detail answers are cached per product and
deleted here; list answers carry a global version number that is bumped here, so every cached list
is stale at once without scanning keys (works the same on locmem and Redis).
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import ParamSpec, TypeVar

from django.core.cache import cache

LIST_VERSION_KEY = "catalog:list-version"

logger = logging.getLogger(__name__)


def list_version() -> int:
    version: int | None = cache.get(LIST_VERSION_KEY)
    if version is None:
        # Start from the clock, not 1: after an eviction, answers cached under an old small
        # version must not come back to life.
        cache.add(LIST_VERSION_KEY, _fresh_version(), timeout=None)
        version = cache.get(LIST_VERSION_KEY) or _fresh_version()
    return version


def _fresh_version() -> int:
    return time.time_ns() // 1000


def detail_key(product_id: int) -> str:
    return f"catalog:product:{product_id}"


# Keys per DEL: a warehouse's (de)activation forgets the details of every product stocked there.
DELETE_BATCH = 1000


def catalog_cache_invalidate(product_ids: Iterable[int] = ()) -> None:
    """Forget cached answers for these products and every cached list."""
    ids = sorted({int(pk) for pk in product_ids})
    for start in range(0, len(ids), DELETE_BATCH):
        cache.delete_many([detail_key(pk) for pk in ids[start : start + DELETE_BATCH]])
    try:
        cache.incr(LIST_VERSION_KEY)
    except ValueError:  # the key was evicted or never set
        cache.set(LIST_VERSION_KEY, _fresh_version(), timeout=None)


# --- Keys of cached answers ----------------------------------------------------------------------
# A detail answer is stored under a random token kept in detail_key(pk). Invalidation deletes the
# token, so answers built from data read before an invalidation land under a dead token and are
# never served, even when the write raced the read. The same holds for lists and the list version.


def detail_token(product_id: int) -> str:
    key = detail_key(product_id)
    token: str | None = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        token = cache.get(key) or uuid.uuid4().hex
    return token


def detail_answer_key(product_id: int, token: str, variant: str) -> str:
    return f"catalog:product:{product_id}:{token}:{_digest(variant)}"


def list_answer_key(version: int, variant: str) -> str:
    return f"catalog:list:{version}:{_digest(variant)}"


def home_answer_key(version: int, variant: str) -> str:
    """The home content (API answer or page fragment): prices, stock and the staff's banners and
    sections all bump the list version, so it follows every change the lists follow."""
    return f"catalog:home:{version}:{_digest(variant)}"


def seconds_until(moment: datetime | None, *, at: datetime, longest: int) -> int:
    """How long a copy may be cached: `longest`, or less when the content changes by itself at
    `moment` (a banner's schedule starts or ends). 0: do not cache."""
    if moment is None:
        return longest
    return max(0, min(longest, math.floor((moment - at).total_seconds())))


def slug_key(slug: str) -> str:
    return f"catalog:slug:{_digest(slug)}"


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


# --- Reads that survive a failing cache ----------------------------------------------------------
# The cache only saves work: when it fails (Redis down, and IGNORE_EXCEPTIONS off or not covering
# the error), a shopper's read is answered from the database instead of a 500.


P = ParamSpec("P")
T = TypeVar("T")


class CacheUnavailable(Exception):
    """The cache failed; answer without it."""


def cache_call(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """func(*args, **kwargs), any error of the cache logged and raised as CacheUnavailable."""
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        logger.warning("catalog cache unavailable: %r", exc)
        raise CacheUnavailable from exc

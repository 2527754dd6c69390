"""Cached answers of the recommendation lists, and their invalidation.

An answer's key carries three tokens, so nothing is ever scanned or deleted by pattern:
- catalog's list version (`catalog.cache.list_version`), bumped by every change of what a shopper
  sees of a product (price, stock, activation): an out-of-stock product leaves every list at once;
- the rebuild version, bumped when the rebuild stored new lists;
- for a user's list, the user's own token, rotated after their new behaviour.
Works the same on locmem and Redis; with Redis every web process shares the answers.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.dateparse import parse_datetime

from catalog.cache import list_version

REBUILD_VERSION_KEY = "reco:rebuild-version"
RECENT_TTL = 5 * 60


def _token(key: str) -> int:
    value: int | None = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns() // 1000, timeout=None)
        value = cache.get(key) or time.time_ns() // 1000
    return value


def user_token_key(user_id: int) -> str:
    return f"reco:user-token:{user_id}"


def answer_key(kind: str, ident: Any, limit: int, *, user_id: int | None = None) -> str:
    parts = [
        "reco",
        kind,
        str(ident),
        str(limit),
        translation.get_language() or "",
        str(list_version()),
        str(_token(REBUILD_VERSION_KEY)),
    ]
    if user_id is not None:
        parts.append(str(_token(user_token_key(user_id))))
    return ":".join(parts)


def ttl(kind: str) -> int:
    if kind == "for_you":
        return int(settings.RECOMMENDATIONS_USER_CACHE_SECONDS)
    if kind == "trending":
        return int(settings.RECOMMENDATIONS_TRENDING_CACHE_SECONDS)
    return int(settings.RECOMMENDATIONS_ITEM_CACHE_SECONDS)


def user_lists_invalidate(user_ids: list[int]) -> None:
    """Forget the cached lists of these users (after their new behaviour)."""
    cache.delete_many([user_token_key(pk) for pk in user_ids])


def rebuild_invalidate() -> None:
    """Forget every cached list (after a rebuild stored new ones)."""
    cache.set(REBUILD_VERSION_KEY, time.time_ns() // 1000, timeout=None)


# --- Views not yet written to the database (the buffer drains every 30 s) --------------------------


def recent_key(owner: str) -> str:
    return f"reco:recent:{owner}"


def recent_views_add(owner: str, product_ids: list[int]) -> None:
    key = recent_key(owner)
    current: list[int] = cache.get(key) or []
    ids = list(dict.fromkeys([*reversed(product_ids), *current]))
    cache.set(key, ids[: settings.RECOMMENDATIONS_HISTORY_SIZE], RECENT_TTL)


def recent_views(owner: str) -> list[int]:
    return list(cache.get(recent_key(owner)) or [])


def recent_views_clear(owner: str) -> None:
    cache.delete(recent_key(owner))


# --- When an owner last cleared their history (views buffered before it are not written) -----------

CLEARED_TTL = 24 * 60 * 60  # the buffer drains every 30 s; a day covers a stopped beat


def cleared_key(owner: str) -> str:
    return f"reco:history-cleared:{owner}"


def history_cleared_mark(owner: str, when: datetime) -> None:
    cache.set(cleared_key(owner), when.isoformat(), CLEARED_TTL)


def history_cleared_at(owners: list[str]) -> dict[str, datetime]:
    """When each of these owners last cleared their history (absent: not lately)."""
    found = cache.get_many([cleared_key(o) for o in owners])
    out: dict[str, datetime] = {}
    for owner in owners:
        raw = found.get(cleared_key(owner))
        when = parse_datetime(raw) if isinstance(raw, str) else None
        if when is not None:
            out[owner] = when
    return out

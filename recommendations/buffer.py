"""The behaviour buffer: events wait here, off the request path, until `events_flush` writes them.

With Redis as the cache (REDIS_URL), a Redis list shared by every process: a request appends one
JSON line (no database query), the Beat task `recommendations.tasks.events_flush` drains it every
30 s. Without Redis (the embedded shop, tests), a list in this process's memory, drained by the
same task and at the end of each request that filled it (`request_finished`, after the response
left), since a separate beat process could not see it.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from django.conf import settings
from django.core.cache import cache

KEY = "reco:events"

logger = logging.getLogger(__name__)


def _uses_redis() -> bool:
    return str(settings.CACHES["default"]["BACKEND"]).startswith("django_redis")


_memory: list[str] = []
_memory_lock = threading.Lock()


def push(events: list[dict[str, Any]]) -> None:
    """Append events; beyond RECOMMENDATIONS_BUFFER_MAX waiting ones the newest are dropped, so a
    flood or a stopped flush cannot grow the buffer (Redis memory, this process) without bound."""
    lines = [json.dumps(e, separators=(",", ":")) for e in events]
    if not lines:
        return
    most = int(settings.RECOMMENDATIONS_BUFFER_MAX)
    if _uses_redis():
        from django_redis import get_redis_connection

        key = cache.make_key(KEY)
        redis = get_redis_connection("default")
        if int(redis.rpush(key, *lines)) > most:
            redis.ltrim(key, 0, most - 1)
            logger.warning("behaviour buffer full: events dropped")
        return
    with _memory_lock:
        room = max(0, most - len(_memory))
        _memory.extend(lines[:room])
    if room < len(lines):
        logger.warning("behaviour buffer full: events dropped")


def drain(limit: int = 5000) -> list[dict[str, Any]]:
    """Take up to `limit` buffered events, oldest first (each is taken once)."""
    if _uses_redis():
        from django_redis import get_redis_connection

        key = cache.make_key(KEY)
        pipe = get_redis_connection("default").pipeline(transaction=True)
        pipe.lrange(key, 0, limit - 1)
        pipe.ltrim(key, limit, -1)
        raw, _ = pipe.execute()
        lines = [r.decode() if isinstance(r, bytes) else r for r in raw]
    else:
        with _memory_lock:
            lines = _memory[:limit]
            del _memory[:limit]
    return [json.loads(line) for line in lines]


def pending_in_process() -> bool:
    """Whether this process holds buffered events (memory buffer only)."""
    return not _uses_redis() and bool(_memory)


def clear() -> None:
    """Forget every buffered event (tests)."""
    if _uses_redis():
        cache.delete(KEY)
    with _memory_lock:
        _memory.clear()

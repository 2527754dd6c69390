"""`/health/`: each dependency's state. 503 when the database is down, since nothing works without it;
a broken cache degrades the shop but does not take it out of the load balancer."""

import logging
import time
import uuid

from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _check_database() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the reason goes to the log
        logger.warning("health: database down: %s", exc)
        return "down"
    return "ok"


def _check_cache() -> str:
    key = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:
        logger.warning("health: cache down: %s", exc)
        return "down"
    return "ok" if ok else "down"


@never_cache
@require_GET
def health(request):
    started = time.perf_counter()
    checks = {"database": _check_database(), "cache": _check_cache()}
    healthy = checks["database"] == "ok"
    status = (
        "ok" if all(v == "ok" for v in checks.values()) else ("degraded" if healthy else "down")
    )
    body = {
        "status": status,
        "checks": checks,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return JsonResponse(body, status=200 if healthy else 503)

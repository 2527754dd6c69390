"""One log line per request: method, path, status, duration and request id."""

import logging
import re
import time
import uuid

from shop.logging import request_id_var

logger = logging.getLogger("shop.request")

# A request id from a proxy is kept only if it is short and harmless in a log line.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = (time.perf_counter() - started) * 1000
            response["X-Request-ID"] = request_id
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(duration_ms, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class PrimaryPinMiddleware:
    """Keeps a client's reads on the primary for a few seconds after it wrote (core.db,
    shop.db_router).

    A request starts pinned when the client wrote a moment ago: a browser carries the pin cookie;
    an API client without cookies is recognised by its Authorization header or guest cart token,
    whose pin is a short-lived cache key. A request that wrote sets both for the next requests.
    Does nothing without replicas. Outermost of the database users, so the session is read from
    the primary as well.
    """

    COOKIE = "primary_pin"

    def __init__(self, get_response):
        self.get_response = get_response

    def _keys(self, request) -> set[str]:
        from core import db

        keys = set()
        authorization = request.headers.get("Authorization")
        if authorization:
            keys.add(db.client_key("auth", authorization))
        cart_token = request.headers.get("X-Cart-Token")
        if cart_token:
            keys.add(db.client_key("cart", cart_token))
        return keys

    def __call__(self, request):
        from django.conf import settings
        from django.core.cache import cache

        from core import db
        from shop import db_router

        if not db_router.replicas():
            return self.get_response(request)
        keys = self._keys(request)
        pinned = request.COOKIES.get(self.COOKIE) == "1"
        if not pinned and keys:
            pinned = bool(cache.get_many(list(keys)))
        tokens = db.begin(pinned=pinned, client_keys=keys)
        try:
            response = self.get_response(request)
            if db.wrote():
                seconds = settings.DATABASE_PRIMARY_PIN_SECONDS
                response.set_cookie(
                    self.COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax"
                )
                keys = db.client_keys() or set()
                if keys:
                    cache.set_many(dict.fromkeys(keys, 1), timeout=seconds)
            return response
        finally:
            db.end(tokens)

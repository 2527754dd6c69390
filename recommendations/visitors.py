"""Who a guest is, for their behaviour and history: the same key for the API and the pages.

Order: the X-Cart-Token header or `?cart_token=` (API clients), the page session's guest cart
token (orders.cart_session), then the session's own key. Empty when the request has none of them.
"""

from __future__ import annotations

from typing import Any

from orders.cart_session import SESSION_KEY, request_cart_token


def request_visitor(request: Any) -> str:
    token = request_cart_token(request)
    if not token:
        params = getattr(request, "query_params", None) or getattr(request, "GET", {})
        token = (params.get("cart_token") or "").strip()
    if token:
        return str(token)[:64]
    session = getattr(request, "session", None)
    if session is None:
        return ""
    return str(session.get(SESSION_KEY) or session.session_key or "")[:64]

"""Who a guest is, for their behaviour and history: the same key for the API and the pages.

Order: the X-Cart-Token header or `?cart_token=` (API clients), the page session's guest cart
token, then the session's own key, then the visitor cookie that catalog's product page gives a guest
who only browses. Empty when the request has none of them.

The header and the session key are orders.cart_session's (HEADER, SESSION_KEY); that module is not
imported, since it reaches orders.services and, through it, inventory and promotions, which
recommendations may not depend on (.importlinter). shop/tests/test_recommendations_wiring.py checks
the names still agree.
"""

from __future__ import annotations

from typing import Any

from catalog.suggestions import CART_TOKEN_SESSION_KEY, page_visitor

CART_TOKEN_HEADER = "HTTP_X_CART_TOKEN"
__all__ = ["CART_TOKEN_HEADER", "CART_TOKEN_SESSION_KEY", "request_visitor"]


def request_visitor(request: Any) -> str:
    token = (request.META.get(CART_TOKEN_HEADER) or "").strip()
    if not token:
        params = getattr(request, "query_params", None) or getattr(request, "GET", {})
        token = (params.get("cart_token") or "").strip()
    if token:
        return token[:64]
    return page_visitor(request)

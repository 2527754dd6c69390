"""Where a request's guest cart token comes from: the X-Cart-Token header (mobile clients) or the
session (pages), and the merge of the session's guest cart into the user's cart at a page login."""

from __future__ import annotations

import logging

from core.exceptions import DomainError

logger = logging.getLogger(__name__)

SESSION_KEY = "cart_token"
HEADER = "HTTP_X_CART_TOKEN"


def request_cart_token(request) -> str | None:
    token = request.META.get(HEADER)
    if token:
        return token.strip()
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def remember_cart_token(request, token) -> None:
    """Keep a page visitor's guest token in their session (API clients use the header instead)."""
    from core.db import pin_client_key

    # A new guest cart's token comes back in the body; the client's next request sends it as
    # X-Cart-Token, and must read the cart it just wrote from the primary.
    pin_client_key("cart", token)
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_KEY) != str(token):
        session[SESSION_KEY] = str(token)


def cart_merge_after_login(request, user) -> None:
    """A page visitor's guest cart joins their own cart once they logged in (or registered).

    Called by the storefront's login and registration views right after `login()`: the project
    passes it to them (shop/urls.py, accounts.urls.account_urls), since accounts sits below orders.
    Not by the
    admin's login (a staff member's guest cart stays in the session until a storefront login) nor
    the API's token logins: API clients keep their token in X-Cart-Token and merge it themselves
    with POST /api/v1/cart/merge/.
    """
    from orders.services import cart_merge

    session = getattr(request, "session", None) if request is not None else None
    token = session.get(SESSION_KEY) if session is not None else None
    if session is None or not token:
        return
    try:
        cart_merge(user, token=token)
    except DomainError:
        pass  # the guest cart is gone already; nothing to merge
    except Exception:
        # A failed merge must never make login fail; the guest cart stays for a later try.
        logger.exception("cart merge at login failed")
        return
    session.pop(SESSION_KEY, None)

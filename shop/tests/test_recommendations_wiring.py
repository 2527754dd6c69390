"""recommendations reads a guest's cart token as orders keeps it (it may not import
orders.cart_session, which reaches inventory and promotions)."""

from orders import cart_session
from recommendations import visitors


def test_the_guest_cart_token_travels_the_same_way():
    assert visitors.CART_TOKEN_HEADER == cart_session.HEADER
    assert visitors.CART_TOKEN_SESSION_KEY == cart_session.SESSION_KEY

"""Row locks of the orders app, in one place. The project-wide lock order (docs/architecture.md):
cart -> order -> stock rows in pk order -> allocations -> coupon -> product."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orders.exceptions import CartGone
from orders.models import Cart, Order

if TYPE_CHECKING:
    import uuid


def cart_lock(cart: Cart) -> Cart:
    """Re-read the cart under a row lock before any change to it.

    Serialises writes to one cart: two quick "add" taps must not both create the same line. The
    cart may be gone by now (a login merged it away, the abandoned-cart purge deleted it) although
    the request found it a moment ago: that is `cart_gone` (409), raised before anything was written.
    """
    locked = Cart.objects.select_for_update().filter(pk=cart.pk).first()
    if locked is None:
        raise CartGone()
    return locked


def guest_cart_lock(token: uuid.UUID) -> Cart | None:
    """Lock the guest cart of a (parsed) token, or None. A merge takes it after the user's own
    cart: two carts of one level, always the user's first."""
    return Cart.objects.select_for_update().filter(token=token, user__isnull=True).first()


def order_lock(order: Order) -> Order:
    """Re-read the order under a row lock: whoever holds it decides, the other sees the result."""
    return Order.objects.select_for_update().get(pk=order.pk)

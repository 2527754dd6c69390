"""Write operations on carts and orders: one function per business operation.

Split by what they do: `cart` (cart lines, merge, purge), `checkout` (order_place), `transitions`
(the order state machine), `notifications` (mail to the buyer), `pricing` (money and totals).
Row locks live in orders.locks. This module's names are the app's public API:
`from orders.services import order_place` (or `services.order_place`) is how callers reach them.
"""

from orders.exceptions import CartNotFound
from orders.services.cart import (
    PURGE_BATCH_SIZE,
    cart_clear,
    cart_get_or_create,
    cart_item_add,
    cart_item_remove,
    cart_item_update,
    cart_merge,
    cart_token_parse,
    carts_purge_abandoned,
)
from orders.services.checkout import (
    ADDRESS_OPTIONAL,
    ADDRESS_REQUIRED,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    KNOWN_GATEWAYS,
    CheckoutQuote,
    checkout_quote,
    order_place,
    payment_methods_enabled,
)
from orders.services.notifications import order_notification_send
from orders.services.pricing import order_totals
from orders.services.transitions import (
    TRANSITIONS,
    PaymentStatus,
    Status,
    order_cancel,
    order_deliver,
    order_event_write,
    order_expire,
    order_mark_paid,
    order_refund,
    order_refund_gateway_register,
    order_refund_request,
    order_ship,
)

__all__ = [
    "ADDRESS_OPTIONAL",
    "ADDRESS_REQUIRED",
    "IDEMPOTENCY_KEY_MAX_LENGTH",
    "KNOWN_GATEWAYS",
    "PURGE_BATCH_SIZE",
    "TRANSITIONS",
    "CartNotFound",
    "CheckoutQuote",
    "PaymentStatus",
    "Status",
    "cart_clear",
    "cart_get_or_create",
    "cart_item_add",
    "cart_item_remove",
    "cart_item_update",
    "cart_merge",
    "cart_token_parse",
    "carts_purge_abandoned",
    "checkout_quote",
    "order_cancel",
    "order_deliver",
    "order_event_write",
    "order_expire",
    "order_mark_paid",
    "order_notification_send",
    "order_place",
    "order_refund",
    "order_refund_gateway_register",
    "order_refund_request",
    "order_ship",
    "order_totals",
    "payment_methods_enabled",
]

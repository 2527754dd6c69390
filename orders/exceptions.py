"""Domain errors of carts and orders (machine codes stay English; details are translatable)."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import Conflict, DomainError, NotFound
from core.money import AmountTooLarge  # noqa: F401  (raised by carts and checkout too)


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_detail = _("The order cannot change to that status from its current status.")


class OrderNotPayable(Conflict):
    """Payment arrived for an order that can no longer take it (cancelled or expired).

    The payments app catches this and refunds the money; the order itself is not touched.
    """

    code = "order_not_payable"
    default_detail = _("This order can no longer be paid.")


class CartEmpty(DomainError):
    code = "cart_empty"
    default_detail = _("Your cart is empty.")


class CartGone(Conflict):
    """The cart was deleted while this request worked on it: a login merged it into the user's
    cart, or the abandoned-cart purge removed it. Nothing was written; the client retries (a guest
    without a valid token gets a fresh cart and a new token)."""

    code = "cart_gone"
    default_detail = _("Your cart was replaced or expired meanwhile. Please try again.")


class CartItemNotFound(NotFound):
    code = "cart_item_not_found"
    default_detail = _("Cart item not found.")


class CartNotFound(NotFound):
    code = "cart_not_found"
    default_detail = _("Cart not found.")


class VariantNotFound(NotFound):
    code = "variant_not_found"
    default_detail = _("This product variant does not exist.")


class VariantInactive(Conflict):
    code = "variant_inactive"
    default_detail = _("This product is no longer sold.")


class QuantityInvalid(DomainError):
    code = "quantity_invalid"
    default_detail = _("The quantity is out of range.")


class PaymentMethodInvalid(DomainError):
    code = "payment_method_invalid"
    default_detail = _("This payment method is not available.")


class AddressInvalid(DomainError):
    code = "address_invalid"
    default_detail = _("The shipping address is incomplete.")


class RefundInvalid(DomainError):
    code = "refund_invalid"
    default_detail = _("The refund amount is not valid for this order.")


class AmountMismatch(DomainError):
    code = "amount_mismatch"
    default_detail = _("The paid amount does not match the order total.")


class ShipmentInvalid(DomainError):
    code = "shipment_invalid"
    default_detail = _("Carrier and tracking number are required.")


class IdempotencyKeyReused(Conflict):
    """The Idempotency-Key of an earlier checkout came with a different request body.

    Replaying the first order would silently drop what the client changed; placing a second one
    would defeat the key. The client must use a new key for a new request.
    """

    code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used for a different request.")


class IdempotencyKeyInvalid(DomainError):
    code = "idempotency_key_invalid"
    default_detail = _("The Idempotency-Key must be 1 to 128 printable ASCII characters.")

"""Money arithmetic of carts and orders: rounding and the totals of an order."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | float | str | None) -> Decimal:
    """An amount quantized to the cent, half-up. A float (what SQLite can hand back for an
    aggregate) goes through its shortest repr: Decimal(2.675) is 2.67499... and would round down."""
    if value is None:
        value = ZERO
    elif isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def order_totals(subtotal: Decimal, *, discount: Decimal, requires_shipping: bool) -> dict:
    """Tax and shipping on the discounted amount, the way the shop charges them."""
    taxable = money(subtotal - discount)
    tax = money(taxable * settings.TAX_RATE)
    free = taxable >= settings.SHIPPING_FREE_THRESHOLD or not requires_shipping
    shipping = ZERO if free else money(settings.SHIPPING_FLAT_FEE)
    return {
        "subtotal": money(subtotal),
        "discount_amount": money(discount),
        "tax_amount": tax,
        "shipping_amount": shipping,
        "total": money(taxable + tax + shipping),
    }

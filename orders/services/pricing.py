"""Money arithmetic of carts and orders: rounding and the totals of an order."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from core.money import ZERO, money


def order_totals(
    subtotal: Decimal, *, discount: Decimal, requires_shipping: bool
) -> dict[str, Decimal]:
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

"""Money: amounts are Decimals to the cent, rounded half-up, and bounded by their columns.

`money()` is the one way to round an amount (a price times a quantity, a tax, a discount, an
aggregate). `money_display()` is how a page shows one (the `money` template filter).

Bounds of money amounts: what the money columns (max_digits=12, decimal_places=2) can hold.

Every price, order line and order amount is stored in such a column, so an amount above
`MONEY_MAX` cannot be written (PostgreSQL: numeric overflow) and cannot be shown (DRF's DecimalField
refuses to render it): left unchecked it turns into a 500 on every later read. The rule:

- a unit price (variant price, compare-at and cost price) is at most `settings.MAX_UNIT_PRICE`,
  chosen so that a line of `CART_MAX_LINE_QUANTITY` units with tax and shipping fits
  `MONEY_MAX` (the `shop.E001` check says so at startup when the settings disagree);
- a cart line, the cart subtotal and the order total must each fit `MONEY_MAX`: many lines can add
  up beyond it even with bounded prices, so carts and checkout check the sums (`amount_too_large`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

MONEY_MAX_DIGITS = 12
MONEY_DECIMAL_PLACES = 2
MONEY_MAX = Decimal(10 ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES)) - CENT


def money(value: Decimal | int | float | str | None) -> Decimal:
    """An amount quantized to the cent, half-up (a bare quantize() would round half to even:
    0.005 -> 0.00). None is 0.00. A float (what SQLite can hand back for an aggregate) goes through
    its shortest repr: Decimal(2.675) is 2.67499... and would round down."""
    if value is None:
        value = ZERO
    elif isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_display(value: object) -> str:
    """`1234.5` -> `¥1,234.50`: the shop currency, two decimals, thousands grouped by comma (as
    Chinese and English shops both write prices, whatever the page language). Nothing to show
    (None, "", not a number) is ""."""
    if value is None or value == "":
        return ""
    try:
        amount = money(str(value))
    except (InvalidOperation, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{settings.SHOP_CURRENCY_SYMBOL}{abs(amount):,.2f}"


class AmountTooLarge(DomainError):
    """A price, line or order amount beyond what the shop can store (see the module doc)."""

    code = "amount_too_large"
    default_detail = _("The amount is larger than the shop can take in one order.")


def max_unit_price() -> Decimal:
    return Decimal(settings.MAX_UNIT_PRICE)


def unit_price_too_large(value: Decimal | int | str | None) -> bool:
    """Whether a unit price is above MAX_UNIT_PRICE. Compared before any quantize: quantizing a
    huge Decimal raises InvalidOperation instead of giving a number to compare."""
    return value is not None and Decimal(value) > max_unit_price()


def validate_unit_price(value: Decimal | None) -> None:
    """Model field validator (the admin's forms run it through full_clean)."""
    if unit_price_too_large(value):
        raise ValidationError(
            _("At most %(max)s.") % {"max": max_unit_price()}, code="amount_too_large"
        )


def amount_too_large(**extra: Any) -> AmountTooLarge:
    return AmountTooLarge(extra={"max_amount": str(MONEY_MAX), **extra})


@register()
def check_max_unit_price(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A full line of the dearest item, taxed and shipped, must fit an order's total."""
    worst = max_unit_price() * settings.CART_MAX_LINE_QUANTITY * (
        1 + Decimal(settings.TAX_RATE)
    ) + Decimal(settings.SHIPPING_FLAT_FEE)
    if worst > MONEY_MAX:
        return [
            Error(
                f"MAX_UNIT_PRICE x CART_MAX_LINE_QUANTITY with tax and shipping ({worst}) exceeds "
                f"what an order total can hold ({MONEY_MAX}).",
                hint="Lower MAX_UNIT_PRICE or CART_MAX_LINE_QUANTITY.",
                id="shop.E001",
            )
        ]
    return []

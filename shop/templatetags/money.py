from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def money(value) -> str:
    """`1234.5` -> `¥1,234.50`: the shop currency, two decimals, thousands grouped by comma (as
    Chinese and English shops both write prices, whatever the page language)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{settings.SHOP_CURRENCY_SYMBOL}{abs(amount):,.2f}"

"""`{% load money %}`: the `money` filter (the format lives in core.money)."""

from django import template

from core.money import money_display

register = template.Library()


@register.filter
def money(value: object) -> str:
    """`1234.5` -> `¥1,234.50` (see core.money.money_display)."""
    return money_display(value)

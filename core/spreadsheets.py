"""Cells written to CSV or Excel files that people open in a spreadsheet program.

A text cell starting with = + - @ (or a tab or carriage return) is run as a formula by Excel,
LibreOffice and WPS: a customer's name or a product's name would then fetch a URL or start a
program on the merchant's computer (CSV / formula injection). Such text goes out with a leading
apostrophe, which the spreadsheet shows as text. Numbers (a negative delta, a price) are left as
they are: they are not formulae.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def cell_neutralise(value: Any) -> Any:
    """The value as a spreadsheet should read it: formula-like text prefixed with "'"."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS) and not _is_number(value):
        return "'" + value
    return value


class FormulaSafeResourceMixin:
    """For django-import-export resources: every exported cell goes through cell_neutralise
    (CSV, Excel and the other formats alike; openpyxl would store "=..." as a live formula)."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return cell_neutralise(super().export_field(field, instance, **kwargs))  # type: ignore[misc]

"""core.money.money(): the one rounding of an amount (0.01, half-up), and how pages show one."""

from decimal import Decimal

import pytest

from core.money import ZERO, money, money_display


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.005"), Decimal("0.01")),  # half-up, where a bare quantize() gives 0.00
        (Decimal("0.015"), Decimal("0.02")),
        (Decimal("-0.005"), Decimal("-0.01")),  # away from zero, like the shop's other amounts
        (Decimal("49.9995"), Decimal("50.00")),
        ("12.344", Decimal("12.34")),
        (7, Decimal("7.00")),
        (2.675, Decimal("2.68")),  # via repr: Decimal(2.675) is 2.67499... and would round down
        (None, ZERO),
    ],
)
def test_money_rounds_to_the_cent_half_up(value, expected):
    result = money(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234567.895"), "¥1,234,567.90"),
        (0.125, "¥0.13"),
        ("-0.5", "-¥0.50"),
        ("", ""),
        ("n/a", ""),
        (None, ""),
    ],
)
def test_money_display(value, shown, settings):
    settings.SHOP_CURRENCY_SYMBOL = "¥"
    assert money_display(value) == shown

"""The refund amount: paid prices, the coupon spread over lines, to the cent, adding up."""

from decimal import Decimal

import pytest

from aftersales.amounts import PaidLine, lines_paid, refund_breakdown

D = Decimal


def test_shares_follow_line_totals_and_add_up_to_what_was_paid():
    lines = [PaidLine(1, D("33.33"), 1), PaidLine(2, D("33.33"), 1), PaidLine(3, D("33.34"), 1)]
    shares = lines_paid(lines, goods_paid=D("90.00"))  # a 10.00 coupon
    assert sum(shares.values()) == D("90.00")
    assert shares == {1: D("30.00"), 2: D("29.99"), 3: D("30.01")}


def test_units_of_a_line_split_over_requests_add_up_to_the_line():
    lines = [PaidLine(1, D("100.00"), 3)]
    first = refund_breakdown(lines, total=D("90.00"), shipping=D("0"), requested={1: 1})
    second = refund_breakdown(
        lines, total=D("90.00"), shipping=D("0"), requested={1: 1}, already={1: 1}
    )
    third = refund_breakdown(
        lines, total=D("90.00"), shipping=D("0"), requested={1: 1}, already={1: 2}
    )
    assert [first.total, second.total, third.total] == [D("30.00"), D("30.00"), D("30.00")]
    odd = [PaidLine(1, D("10.00"), 3)]
    parts = [
        refund_breakdown(odd, total=D("10.00"), shipping=D("0"), requested={1: 1}, already={1: n})
        for n in range(3)
    ]
    assert [p.total for p in parts] == [D("3.33"), D("3.34"), D("3.33")]
    assert sum(p.total for p in parts) == D("10.00")


def test_shipping_only_with_the_whole_order():
    lines = [PaidLine(1, D("40.00"), 2), PaidLine(2, D("20.00"), 1)]
    part = refund_breakdown(lines, total=D("70.00"), shipping=D("10.00"), requested={1: 2})
    assert (part.shipping, part.total) == (D("0"), D("40.00"))
    rest = refund_breakdown(
        lines, total=D("70.00"), shipping=D("10.00"), requested={2: 1}, already={1: 2}
    )
    assert (rest.shipping, rest.total) == (D("10.00"), D("30.00"))
    assert part.total + rest.total == D("70.00")
    whole = refund_breakdown(lines, total=D("70.00"), shipping=D("10.00"), requested={1: 2, 2: 1})
    assert whole.total == D("70.00")


@pytest.mark.parametrize(
    ("prices", "total"),
    [
        ([("19.99", 3), ("0.01", 1), ("7.77", 7)], D("100.00")),
        ([("1.00", 1), ("1.00", 1), ("1.00", 1)], D("2.00")),
        ([("999.99", 2), ("0.50", 5)], D("1234.56")),
    ],
)
def test_every_split_adds_up_to_the_cent(prices, total):
    lines = [PaidLine(i + 1, D(price) * qty, qty) for i, (price, qty) in enumerate(prices)]
    refunded = D("0")
    claimed: dict[int, int] = {}
    for line in lines:
        for _unit in range(line.quantity):
            part = refund_breakdown(
                lines, total=total, shipping=D("0"), requested={line.id: 1}, already=claimed
            )
            claimed[line.id] = claimed.get(line.id, 0) + 1
            refunded += part.total
    assert refunded == total


def test_more_units_than_bought_is_refused():
    with pytest.raises(ValueError):
        refund_breakdown(
            [PaidLine(1, D("10"), 1)], total=D("10"), shipping=D("0"), requested={1: 2}
        )

"""What a request pays back: a pure function of the order's paid amounts (no database).

The order's goods were paid `total - shipping` (its subtotal, minus the coupon discount, plus tax).
That amount is spread over the lines in proportion to their line totals, and a line's share over
its units, each by cumulative rounding half-up: the parts are the rounded differences of rounded
running sums, so they add up to the cent to what was paid, however the lines and units are split
over requests. Shipping is paid back only by the request that makes the whole order given back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from core.money import ZERO, money


@dataclass(frozen=True)
class PaidLine:
    id: int
    line_total: Decimal
    quantity: int


@dataclass(frozen=True)
class RefundBreakdown:
    lines: dict[int, Decimal] = field(default_factory=dict)
    shipping: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return money(sum(self.lines.values(), ZERO) + self.shipping)


def lines_paid(lines: Sequence[PaidLine], *, goods_paid: Decimal) -> dict[int, Decimal]:
    """Each line's share of `goods_paid`, in proportion to its line total; the shares add up to
    `goods_paid` exactly (lines in id order)."""
    ordered = sorted(lines, key=lambda line: line.id)
    subtotal = sum((line.line_total for line in ordered), ZERO)
    shares: dict[int, Decimal] = {}
    if subtotal <= 0:
        return {line.id: ZERO for line in ordered}
    running = ZERO
    before = ZERO
    for line in ordered:
        running += line.line_total
        upto = money(goods_paid * running / subtotal)
        shares[line.id] = upto - before
        before = upto
    return shares


def _units_part(paid: Decimal, quantity: int, *, start: int, units: int) -> Decimal:
    """Units start+1 .. start+units of a line of `quantity` units that was paid `paid`."""
    return money(paid * (start + units) / quantity) - money(paid * start / quantity)


def refund_breakdown(
    lines: Sequence[PaidLine],
    *,
    total: Decimal,
    shipping: Decimal,
    requested: Mapping[int, int],
    already: Mapping[int, int] | None = None,
) -> RefundBreakdown:
    """The refund of `requested` units per line id, given `already` units of each line claimed by
    earlier requests. Shipping is included when, with this request, every unit is claimed."""
    already = already or {}
    shares = lines_paid(lines, goods_paid=money(total) - money(shipping))
    by_id = {line.id: line for line in lines}
    parts: dict[int, Decimal] = {}
    for line_id, units in requested.items():
        line = by_id[line_id]
        start = already.get(line_id, 0)
        if units <= 0 or start + units > line.quantity:
            raise ValueError(f"line {line_id}: {units} units after {start} of {line.quantity}")
        parts[line_id] = _units_part(shares[line_id], line.quantity, start=start, units=units)
    whole = all(
        already.get(line.id, 0) + requested.get(line.id, 0) == line.quantity for line in lines
    )
    return RefundBreakdown(lines=parts, shipping=money(shipping) if whole else ZERO)

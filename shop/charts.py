"""Charts of the back office's dashboard, drawn on the server as inline SVG.

Only geometry here (numbers a template puts into <rect> and <text>); the templates under
templates/admin/dashboard/ draw them. No JavaScript, no chart library, nothing from another host:
the charts read the same in any browser, print, and carry their labels in the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format

from core.money import money

# Room for the axis labels; the drawing area is what is left.
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 12, 28


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # what the bar is (a day, a status)
    value: str  # its figure, as shown
    key: str = ""  # a machine key (a date, a status code) for tests and links

    @property
    def end(self) -> float:
        return round(self.x + self.width, 2)


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    baseline: float
    plot_left: float
    plot_right: float


def _nice_max(value: Decimal) -> Decimal:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (the axis top)."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(1)
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 5, 10):
        if power * step >= value:
            return power * step
    return power * 10  # pragma: no cover (the loop always returns)


def _amount(value: Decimal) -> str:
    """An axis amount: whole yuan, thousands as k (the exact figure is in each bar's title)."""
    if value >= 10000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}"


def revenue_chart(
    days: list[tuple[date, Decimal]], *, width: int = 640, height: int = 220
) -> BarChart:
    """One vertical bar per day (oldest left), y axis from 0 to a round maximum with three ticks."""
    top = _nice_max(max((amount for _day, amount in days), default=Decimal(0)))
    plot_w = width - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM
    slot = plot_w / max(len(days), 1)
    baseline = TOP + plot_h
    bars, x_ticks = [], []
    label_every = max(1, round(len(days) / 6))
    for i, (day, amount) in enumerate(days):
        h = float(amount / top) * plot_h if amount > 0 else 0.0
        x = LEFT + i * slot
        bars.append(
            Bar(
                x=round(x + slot * 0.15, 2),
                y=round(baseline - h, 2),
                width=round(slot * 0.7, 2),
                height=round(h, 2),
                label=date_format(day, "SHORT_DATE_FORMAT"),
                value=f"¥{money(amount):,}",
                key=day.isoformat(),
            )
        )
        # Every few days and always the last (today), counted back from it.
        if (len(days) - 1 - i) % label_every == 0:
            x_ticks.append(Tick(round(x + slot / 2, 2), baseline + 16, date_format(day, "m-d")))
    y_ticks = [
        Tick(LEFT - 6, round(baseline - plot_h * share, 2), _amount(top * Decimal(share)))
        for share in (0, 0.5, 1)
    ]
    return BarChart(width, height, bars, x_ticks, y_ticks, baseline, LEFT, width - RIGHT)


STATUS_LABEL_WIDTH = 150
STATUS_ROW = 26


def status_chart(counts: list[tuple[str, str, int]], *, width: int = 640) -> BarChart:
    """One horizontal bar per status (code, translated label, count), the label on its left and
    the count at its end; bars scale to the largest count."""
    height = TOP + STATUS_ROW * max(len(counts), 1) + 4
    left = STATUS_LABEL_WIDTH
    plot_w = width - left - 56  # room for the count after the longest bar
    largest = max((n for _code, _label, n in counts), default=0) or 1
    bars = []
    for i, (code, label, n) in enumerate(counts):
        y = TOP + i * STATUS_ROW
        bars.append(
            Bar(
                x=left,
                y=y,
                width=round(plot_w * n / largest, 2),
                height=STATUS_ROW - 8,
                label=label,
                value=str(n),
                key=code,
            )
        )
    return BarChart(width, height, bars, [], [], height - 4, left, width)

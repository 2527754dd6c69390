"""The back office's dashboard (the admin index): what a merchant or staff member checks first.

It spans apps, so it lives in shop (the top layer) and only reads, through each app's queries:
orders' statistics, stock alerts, payment problems. A fixed number of queries whatever the size of
the shop (pinned in shop/tests/test_dashboard.py); benchmarks/dashboard.py times it on 100,000
orders. Each panel shows only to a user who may view its rows (the permissions of accounts.roles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.models import AfterSalesRequest
from aftersales.queries import open_requests_by_status
from core.money import ZERO
from inventory.queries import stock_alert_counts
from orders.models import Order
from orders.queries import (
    average_order_value,
    orders_awaiting_shipment_count,
    shop_order_statistics,
    top_products,
)
from payments.queries import PaymentProblems, payment_problems
from shop.charts import BarChart, revenue_chart, status_chart

DAYS = 30


@dataclass(frozen=True)
class Figures:
    revenue: Decimal
    orders: int
    average: Decimal


@dataclass
class Dashboard:
    today: date
    start: date
    orders: dict[str, Any] | None = None  # today, last_30, by_status, awaiting, links
    stock: dict[str, Any] | None = None  # low, out and their links
    payments: PaymentProblems | None = None
    top_products: list[dict[str, Any]] = field(default_factory=list)
    revenue_chart: BarChart | None = None
    status_chart: BarChart | None = None
    # After-sales requests waiting for staff (issue 20) land here: counts by state with links to
    # the after-sales admin's filtered list, read through aftersales.queries.
    aftersales: dict[str, Any] | None = None


def _changelist(app_label: str, model_name: str, **params: str) -> str:
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _orders_panel(board: Dashboard) -> None:
    stats = shop_order_statistics(start=board.start, end=board.today)
    by_day = {row["date"]: row for row in stats["daily"]}
    today = by_day.get(board.today, {"revenue": ZERO, "orders": 0, "revenue_orders": 0})
    statuses = [
        (code, str(label), stats["by_status"].get(code, 0)) for code, label in Order.Status.choices
    ]
    board.orders = {
        "today": Figures(
            revenue=today["revenue"],
            orders=today["orders"],
            average=average_order_value(today["revenue"], today["revenue_orders"]),
        ),
        "last_30": Figures(
            revenue=stats["total_revenue"],
            orders=stats["total_orders"],
            average=stats["average_order_value"],
        ),
        "by_status": [
            {
                "code": code,
                "label": label,
                "count": n,
                "url": _changelist("orders", "order", status__exact=code),
            }
            for code, label, n in statuses
        ],
        "awaiting_shipment": orders_awaiting_shipment_count(),
        "awaiting_shipment_url": _changelist(
            "orders", "order", status__exact=Order.Status.PROCESSING
        ),
    }
    days = [board.start + timedelta(days=i) for i in range(DAYS)]
    board.revenue_chart = revenue_chart(
        [(day, by_day[day]["revenue"] if day in by_day else ZERO) for day in days]
    )
    board.status_chart = status_chart(statuses)
    board.top_products = top_products(start=board.start, end=board.today)


def dashboard_for(user: Any) -> Dashboard:
    """The dashboard as `user` may see it: a panel per kind of row they may view."""
    today = timezone.localdate()
    board = Dashboard(today=today, start=today - timedelta(days=DAYS - 1))
    if user.has_perm("orders.view_order"):
        _orders_panel(board)
    if user.has_perm("inventory.view_stockalert"):
        counts = stock_alert_counts()
        board.stock = {
            **counts,
            "low_url": _changelist(
                "inventory", "stockalert", level__exact="low", resolved_at__isempty="1"
            ),
            "out_url": _changelist(
                "inventory", "stockalert", level__exact="out", resolved_at__isempty="1"
            ),
        }
    if user.has_perm("payments.view_payment"):
        board.payments = payment_problems()
    if user.has_perm("aftersales.view_aftersalesrequest"):
        counts = open_requests_by_status()
        board.aftersales = {
            "rows": [
                {
                    "status": code,
                    "label": _("After-sales: %(status)s") % {"status": label},
                    "count": counts.get(code, 0),
                    "url": _changelist("aftersales", "aftersalesrequest", status__exact=code),
                }
                for code, label in AfterSalesRequest.Status.choices
                if code in AfterSalesRequest.OPEN
            ]
        }
    return board

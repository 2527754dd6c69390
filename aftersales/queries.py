"""Reads of after-sales requests: who may see which, and the dashboard's count."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, QuerySet

from accounts.permissions import is_staff_user
from aftersales.models import AfterSalesEvent, AfterSalesLine, AfterSalesRequest

if TYPE_CHECKING:
    from accounts.models import User


def request_list(user: User | Any, *, status: str | None = None) -> QuerySet[AfterSalesRequest]:
    """The user's own requests (staff: everyone's), with lines and photos at hand."""
    qs = AfterSalesRequest.objects.select_related("order", "user").prefetch_related(
        Prefetch(
            "lines", queryset=AfterSalesLine.objects.select_related("order_line").order_by("pk")
        ),
        "photos",
    )
    if not is_staff_user(user):
        qs = qs.filter(user=user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def request_events(request: AfterSalesRequest) -> QuerySet[AfterSalesEvent]:
    return request.events.select_related("actor").order_by("created_at", "pk")


def open_requests_count() -> int:
    """Requests waiting for someone (staff or the customer): the dashboard's number."""
    return AfterSalesRequest.objects.filter(status__in=AfterSalesRequest.OPEN).count()


def open_requests_by_status() -> dict[str, int]:
    """The open requests per status, in one grouped query (the dashboard's after-sales rows)."""
    rows = (
        AfterSalesRequest.objects.filter(status__in=AfterSalesRequest.OPEN)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {status: n for status, n in rows}


def order_requests(order_id: int) -> QuerySet[AfterSalesRequest]:
    """An order's requests, newest first (for the order page)."""
    return AfterSalesRequest.objects.filter(order_id=order_id).order_by("-created_at", "-pk")


def claimable_units(order_id: int) -> dict[int, int]:
    """Units of each of the order's lines that a new request may still name: bought minus those
    of open or refunded requests, and 0 for a line an open request holds."""
    from orders.models import OrderLine

    bought = dict(
        OrderLine.objects.filter(order_id=order_id).values_list("pk", "quantity").order_by("pk")
    )
    left = dict(bought)
    rows = AfterSalesLine.objects.filter(
        request__order_id=order_id, request__status__in=AfterSalesRequest.CLAIMING
    ).values_list("order_line_id", "quantity", "is_open")
    for line_id, units, is_open in rows:
        left[line_id] = 0 if is_open else max(left.get(line_id, 0) - units, 0)
    return left

"""Row locks of after-sales. Lock order (docs/architecture.md): order -> after-sales request(s)
(pk order) -> payment -> refund -> stock rows -> allocations. The gateway refund (payments) is
never asked for while a request row is held: aftersales_refund commits, calls payments, then locks
order and request again."""

from __future__ import annotations

from aftersales.models import AfterSalesRequest
from orders import locks as order_locks
from orders.models import Order


def request_lock(request: AfterSalesRequest) -> tuple[Order, AfterSalesRequest]:
    """Lock the request's order, then the request: whoever holds the order decides."""
    order = order_locks.order_lock(Order(pk=request.order_id))
    locked = AfterSalesRequest.objects.select_for_update().get(pk=request.pk)
    return order, locked


def order_requests_lock(order: Order) -> list[AfterSalesRequest]:
    """The order's requests, locked in pk order (the caller holds the order row)."""
    return list(AfterSalesRequest.objects.select_for_update().filter(order=order).order_by("pk"))

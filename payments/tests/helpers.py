"""Assertions the gateway flow tests share: what "paid exactly once" means for an order."""

from orders.models import OrderEvent
from payments.models import PaymentEvent


def state(order):
    order.refresh_from_db()
    return order.status, order.payment_status


def assert_paid_once(order, payment, events_before: int) -> None:
    """The order is processing/paid with one status event and one payment-status event, and the
    payment succeeded once, however many notifies arrived."""
    assert state(order) == ("processing", "paid")
    assert order.events.filter(kind=OrderEvent.Kind.STATUS, to_status="processing").count() == 1
    assert order.events.count() == events_before + 2  # status + payment status, once
    assert PaymentEvent.objects.filter(payment=payment, to_status="succeeded").count() == 1

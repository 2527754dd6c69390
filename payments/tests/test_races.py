"""Races on PostgreSQL with real threads: the order and payment row locks decide."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from inventory.tests.helpers import assert_stock_consistent
from orders.models import Order, OrderEvent
from orders.services import order_expire
from orders.tests.helpers import stock_of
from payments.gateways import gateway_get
from payments.models import Refund, SandboxTrade
from payments.services import payment_notify_handle, refund_create
from payments.tests.conftest import start_payment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*functions):
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _paid_at_sandbox(payment):
    """The payer pressed Pay; returns a function that delivers the (same) signed callback."""
    gateway = gateway_get("sandbox")
    callback = gateway.press(payment.out_trade_no, pay=True)
    body = callback.body

    def deliver():
        request = gateway.signed_notify({})
        request._body = body
        request.META.update(
            {k: v for k, v in callback.META.items() if k.startswith("HTTP_X_SANDBOX")}
        )
        return payment_notify_handle("sandbox", request)

    return deliver


def test_concurrent_identical_notifies_make_one_transition(user, variant, place):
    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    deliver = _paid_at_sandbox(payment)
    events = order.events.count()
    replies = race(*[deliver] * 6)
    assert all(not isinstance(r, Exception) for r in replies), replies
    assert {r.status_code for r in replies} == {200}
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("processing", "paid")
    assert order.events.count() == events + 2
    assert order.events.filter(kind=OrderEvent.Kind.STATUS, to_status="processing").count() == 1
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    assert not Refund.objects.exists()


@pytest.mark.parametrize("repeat", range(3))
def test_notify_racing_the_expiry_task(user, variant, place, repeat):
    order = place(user, (variant, 2))
    payment = start_payment(user, order)
    deliver = _paid_at_sandbox(payment)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    results = race(deliver, lambda: order_expire(order))
    assert not any(isinstance(r, Exception) for r in results), results
    order.refresh_from_db()
    payment.refresh_from_db()
    stock = stock_of(variant)
    if order.status == "processing":  # the notify won: paid, stock still held for shipping
        assert (order.payment_status, payment.status, payment.applied) == (
            "paid",
            "succeeded",
            True,
        )
        assert stock.quantity_allocated == 2
        assert not Refund.objects.exists()
    else:  # the expiry won: cancelled, stock released, the late payment refunded in full
        assert (order.status, order.payment_status) == ("cancelled", "pending")
        assert (payment.status, payment.applied) == ("refunded", False)
        assert stock.quantity_allocated == 0
        assert Refund.objects.get().status == "succeeded"
        assert SandboxTrade.objects.get().refunded == payment.amount
    assert stock.quantity == 10
    assert_stock_consistent()


def test_concurrent_refunds_never_exceed_what_was_paid(user, staff, variant, place):
    order = place(user, (variant, 2))  # 100.00
    payment = start_payment(user, order)
    _paid_at_sandbox(payment)()
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    results = race(*[lambda: refund_create(payment, amount="40.00", actor=staff)] * 4)
    made = [r for r in results if isinstance(r, Refund)]
    assert len(made) == 2, results  # 40 + 40 <= 100 < 40 + 40 + 40
    assert Refund.objects.filter(status="succeeded").count() == 2
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.payment_status, order.refunded_amount) == ("partially_refunded", Decimal("80.00"))
    assert payment.status == "partially_refunded"
    assert SandboxTrade.objects.get().refunded == Decimal("80.00")
    assert_stock_consistent()

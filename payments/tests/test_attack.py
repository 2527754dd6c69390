"""Defects found by attacking the payments app from outside; each test failed before its fix."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order
from payments.gateways.base import SUCCEEDED, GatewayError, RefundState
from payments.gateways.sandbox import SandboxGateway
from payments.models import Payment, PaymentEvent, Refund
from payments.services import payment_create, refund_create
from payments.tasks import payments_reconcile
from payments.tests.conftest import press, sandbox_paid_at_provider, start_payment

pytestmark = pytest.mark.django_db


def test_a_replaced_payment_paid_before_its_close_is_confirmed_by_reconcile(
    user, variant, place, monkeypatch
):
    """The payer pays the first payment while the client starts another one: we close the first
    here, the provider refuses to close it (already paid) and its notify is lost. The money was
    taken: reconciliation must still find it and pay the order, not leave it closed forever."""
    monkeypatch.setattr(SandboxGateway, "channels", ("page", "qr"))
    order = place(user, (variant, 1))
    first = start_payment(user, order)
    sandbox_paid_at_provider(first)  # paid at the provider, the notify never arrives
    second = payment_create(order, gateway="sandbox", channel="qr", actor=user).payment
    first.refresh_from_db()
    assert (first.status, second.status) == ("closed", "pending")

    outcomes = payments_reconcile()

    assert outcomes.get("confirmed") == 1
    order.refresh_from_db()
    first.refresh_from_db()
    assert (order.status, order.payment_status) == ("processing", "paid")
    assert (first.status, first.applied) == ("succeeded", True)
    assert PaymentEvent.objects.filter(payment=first, to_status="succeeded").count() == 1
    assert "close_unconfirmed" not in first.raw
    # Settled: only the second payment (of an order now paid) is left, and closed.
    assert payments_reconcile() == {"closed": 1}
    second.refresh_from_db()
    assert second.status == "closed"
    assert payments_reconcile() == {}


def test_a_replaced_payment_closed_later_at_the_provider_is_asked_no_more(
    user, variant, place, monkeypatch
):
    """The provider did not answer the close: reconciliation closes it there once, then stops."""
    monkeypatch.setattr(SandboxGateway, "channels", ("page", "qr"))
    real_close = SandboxGateway.close

    def down(self, out_trade_no):
        raise GatewayError("timeout")

    order = place(user, (variant, 1))
    first = start_payment(user, order)
    monkeypatch.setattr(SandboxGateway, "close", down)
    payment_create(order, gateway="sandbox", channel="qr", actor=user)
    first.refresh_from_db()
    assert first.status == "closed" and "close_unconfirmed" in first.raw
    monkeypatch.setattr(SandboxGateway, "close", real_close)

    assert payments_reconcile() == {"closed": 1}
    first.refresh_from_db()
    assert first.status == "closed" and "close_unconfirmed" not in first.raw
    assert payments_reconcile() == {}
    # The payer can no longer pay it at the provider.
    press(first)
    first.refresh_from_db()
    order.refresh_from_db()
    assert (first.status, order.status) == ("closed", "pending")


def test_reconcile_of_a_pending_refund_queries_with_trade_and_request_numbers(
    user, variant, place, staff, monkeypatch
):
    """Alipay's query_refund takes (out_trade_no, out_request_no): the reconcile task called it
    with one argument, raised TypeError and stopped, leaving the refund pending for ever."""
    order = place(user, (variant, 2))
    payment = start_payment(user, order)
    press(payment)

    def down(self, request):
        raise GatewayError("timeout")

    monkeypatch.setattr(SandboxGateway, "refund", down)
    refund = refund_create(payment, amount="30.00", actor=staff)
    assert refund.status == "pending"
    asked = []

    # The signature of AlipayGateway.query_refund.
    def query_refund(self, out_trade_no, out_request_no):
        asked.append((out_trade_no, out_request_no))
        return RefundState(out_request_no, SUCCEEDED, Decimal("30.00"), gateway_refund_id="AR1")

    monkeypatch.setattr(SandboxGateway, "query_refund", query_refund, raising=False)
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(hours=1))

    assert payments_reconcile() == {"refund_succeeded": 1}
    assert asked == [(payment.out_trade_no, refund.out_request_no)]
    refund.refresh_from_db()
    order.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == "succeeded"
    assert payment.status == Payment.Status.PARTIALLY_REFUNDED
    assert (order.payment_status, order.refunded_amount) == (
        Order.PaymentStatus.PARTIALLY_REFUNDED,
        Decimal("30.00"),
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_sandbox_page_of_a_nul_or_huge_trade_number_is_404(method, client):
    for number in ["P%00X", "%00", "x" * 10000, "\u4e2d" * 300]:
        response = getattr(client, method)(f"/payments/sandbox/{number}/", {"action": "pay"})
        assert response.status_code == 404


def test_pay_of_a_nul_order_number_is_404(user_client):
    for number in ["A%00B", "ORD%00%00%00%00", "x" * 10000]:
        response = user_client.post(f"/api/v1/orders/{number}/pay/", {"gateway": "sandbox"})
        assert response.status_code == 404
    assert not Payment.objects.exists()


def test_one_payment_that_breaks_reconcile_does_not_stop_the_others(
    user, variant, place, monkeypatch
):
    """A query answer the adapter cannot digest for one payment: the others are still settled."""
    first_order = place(user, (variant, 1))
    first = start_payment(user, first_order)
    second_order = place(user, (variant, 1))
    second = start_payment(user, second_order)
    sandbox_paid_at_provider(second)
    Payment.objects.update(created_at=timezone.now() - timedelta(hours=1))
    real_query = SandboxGateway.query

    def query(self, out_trade_no):
        if out_trade_no == first.out_trade_no:
            raise KeyError("trade_state")
        return real_query(self, out_trade_no)

    monkeypatch.setattr(SandboxGateway, "query", query)

    assert payments_reconcile() == {"error": 1, "confirmed": 1}
    first.refresh_from_db()
    second_order.refresh_from_db()
    assert first.status == "pending"
    assert second_order.status == "processing"


def test_a_payment_replaced_while_its_provider_opened_it_is_closed_there(
    user, variant, place, monkeypatch
):
    """Two pay/ calls at once with different channels: the second closes the first payment here
    (and at the provider, which does not know it yet) while the first is still being opened at the
    provider. The first trade must not stay open there, payable, with nobody asking about it."""
    from payments.models import SandboxTrade

    monkeypatch.setattr(SandboxGateway, "channels", ("page", "qr"))
    real_create = SandboxGateway.create
    order = place(user, (variant, 1))
    started = {}

    def create(self, request):
        if request.channel == "page" and "second" not in started:
            # The other request runs while this one waits for the provider (no locks held).
            started["second"] = payment_create(order, gateway="sandbox", channel="qr", actor=user)
        return real_create(self, request)

    monkeypatch.setattr(SandboxGateway, "create", create)
    first = payment_create(order, gateway="sandbox", channel="page", actor=user).payment
    second = started["second"].payment
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("closed", "pending")
    assert SandboxTrade.objects.get(out_trade_no=first.out_trade_no).state == "CLOSED"
    # The payer presses Pay on the first payment's page: the provider refuses, nothing is taken.
    press(first)
    order.refresh_from_db()
    assert order.status == "pending"
    assert SandboxTrade.objects.get(out_trade_no=first.out_trade_no).state == "CLOSED"


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity", "1e400", "abc", None])
def test_a_refund_of_a_non_number_is_refund_invalid_and_changes_nothing(
    user, variant, place, staff, amount
):
    from orders.exceptions import RefundInvalid

    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    press(payment)
    with pytest.raises(RefundInvalid):
        refund_create(payment, amount=amount, actor=staff)
    payment.refresh_from_db()
    order.refresh_from_db()
    assert not Refund.objects.exists()
    assert (payment.status, order.payment_status, order.refunded_amount) == (
        "succeeded",
        "paid",
        Decimal("0.00"),
    )


def test_a_refund_notify_whose_settling_fails_is_a_failure_reply_not_a_500(
    user, variant, place, staff, monkeypatch
):
    """The settling transaction fails (PostgreSQL: a deadlock victim): the provider gets its
    failure reply and retries, the refund stays pending, the notify is recorded."""
    from django.db import OperationalError
    from django.test import Client

    from payments.models import PaymentNotification

    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    press(payment)

    def down(self, request):
        raise GatewayError("timeout")

    monkeypatch.setattr(SandboxGateway, "refund", down)
    refund = refund_create(payment, amount="10.00", actor=staff)
    monkeypatch.setattr(
        SandboxGateway,
        "parse_refund_notify",
        lambda self, request: RefundState(refund.out_request_no, SUCCEEDED, Decimal("10.00")),
    )

    def deadlock(*args, **kwargs):
        raise OperationalError("deadlock detected")

    monkeypatch.setattr("payments.services.order_refund", deadlock)

    reply = Client(raise_request_exception=False).post(
        "/api/v1/payments/sandbox/refund-notify/", data="{}", content_type="application/json"
    )

    assert (reply.status_code, reply.json()["code"]) == (400, "FAIL")
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "pending"
    assert (order.payment_status, order.refunded_amount) == ("paid", Decimal("0.00"))
    note = PaymentNotification.objects.get(kind="refund")
    assert (note.verified, note.outcome) == (True, "error")

"""The whole sandbox path through the API and the sandbox page, and the notify's guarantees."""

import re
import time
from decimal import Decimal

import pytest
from django.test import Client

from orders.models import Order, OrderEvent
from orders.tests.helpers import stock_of
from payments.models import Payment, PaymentEvent, PaymentNotification, Refund
from payments.tests.conftest import notify_body, post_notify, press, start_payment

pytestmark = pytest.mark.django_db


def _order_state(order):
    order.refresh_from_db()
    return (order.status, order.payment_status, order.events.count())


def test_pay_through_the_sandbox_page(user, user_client, variant, place):
    order = place(user, (variant, 2))  # 2 x 50.00 + free shipping
    response = user_client.post(
        f"/api/v1/orders/{order.number}/pay/", {"gateway": "sandbox"}, format="json"
    )
    assert response.status_code == 201, response.data
    data = response.data
    assert (data["status"], data["amount"], data["gateway"]) == ("pending", "100.00", "sandbox")
    assert re.fullmatch(r"[A-Za-z0-9_\-|*]{6,32}", data["out_trade_no"])
    pay_url = data["pay_url"]
    assert data["client"]["pay_url"] == pay_url
    assert pay_url.startswith("http://testserver/payments/sandbox/")
    events_before = order.events.count()

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(pay_url.removeprefix("http://testserver"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="sandbox-pay"' in html and 'data-testid="sandbox-fail"' in html
    # Without the page's CSRF token the press is refused and nothing happens.
    assert browser.post(page.request["PATH_INFO"], {"action": "pay"}).status_code == 403
    assert Payment.objects.get().status == "pending"
    token = browser.cookies["csrftoken"].value
    done = browser.post(page.request["PATH_INFO"], {"action": "pay", "csrfmiddlewaretoken": token})
    assert done.status_code == 200

    order.refresh_from_db()
    assert (order.status, order.payment_status, order.payment_method) == (
        "processing",
        "paid",
        "sandbox",
    )
    status_events = order.events.filter(kind=OrderEvent.Kind.STATUS)
    assert list(status_events.values_list("from_status", "to_status"))[-1] == (
        "pending",
        "processing",
    )
    assert order.events.count() == events_before + 2  # status + payment status, once each
    payment = Payment.objects.get()
    assert (payment.status, payment.applied, payment.amount) == (
        "succeeded",
        True,
        Decimal("100.00"),
    )
    assert payment.transaction_id.startswith("SBX")
    note = PaymentNotification.objects.get()
    assert (note.verified, note.outcome, note.payment_id) == (True, "confirmed", payment.pk)
    assert list(
        PaymentEvent.objects.filter(payment=payment).values_list("to_status", flat=True)
    ) == [
        "created",
        "pending",
        "succeeded",
    ]
    # The owner sees it; stock stays allocated for shipping.
    detail = user_client.get(f"/api/v1/payments/{payment.pk}/")
    assert (detail.data["status"], detail.data["order_number"]) == ("succeeded", order.number)
    assert stock_of(variant).quantity_allocated == 2


def test_fail_button_fails_the_payment_and_leaves_the_order_payable(
    user, user_client, variant, place
):
    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    browser = Client()
    browser.post(f"/payments/sandbox/{payment.out_trade_no}/", {"action": "fail"})
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status, order.payment_status) == ("failed", "pending", "pending")
    # A new attempt is a new payment.
    again = user_client.post(
        f"/api/v1/orders/{order.number}/pay/", {"gateway": "sandbox"}, format="json"
    )
    assert again.status_code == 201 and again.data["out_trade_no"] != payment.out_trade_no


def test_pay_again_reuses_the_open_payment(user, user_client, variant, place):
    order = place(user, (variant, 1))
    url = f"/api/v1/orders/{order.number}/pay/"
    first = user_client.post(url, {"gateway": "sandbox"}, format="json")
    second = user_client.post(url, {"gateway": "sandbox"}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.data["out_trade_no"] == second.data["out_trade_no"]
    assert Payment.objects.filter(order=order).count() == 1


def test_same_notify_ten_times_is_one_transition(user, variant, place):
    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    before = order.events.count()
    body = notify_body(payment)
    replies = [post_notify(body) for _ in range(10)]
    assert {(r.status_code, r.json()["code"]) for r in replies} == {(200, "SUCCESS")}
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("processing", "paid")
    assert order.events.count() == before + 2
    assert PaymentEvent.objects.filter(payment=payment, to_status="succeeded").count() == 1
    outcomes = list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["confirmed"] + ["duplicate"] * 9


@pytest.mark.parametrize(
    "tamper",
    ["signature", "stale", "future", "unsigned"],
)
def test_forged_or_stale_notify_changes_nothing(user, variant, place, tamper):
    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    before = _order_state(order)
    body = notify_body(payment)
    now = int(time.time())
    if tamper == "signature":
        reply = post_notify(body, signature="0" * 64)
    elif tamper == "stale":
        reply = post_notify(body, timestamp=now - 301)
    elif tamper == "future":
        # int() truncated now: +301 can be exactly 300 s ahead at check time
        reply = post_notify(body, timestamp=now + 302)
    else:
        reply = Client().post(
            "/api/v1/payments/sandbox/notify/", data=body, content_type="application/json"
        )
    assert (reply.status_code, reply.json()["code"]) == (400, "FAIL")
    assert _order_state(order) == before
    payment.refresh_from_db()
    assert payment.status == "pending"
    note = PaymentNotification.objects.get()
    assert (note.verified, note.outcome, note.payment_id) == (False, "rejected", None)
    assert note.body == body


def test_signature_over_another_body_is_rejected(user, variant, place):
    """A valid signature of a cheaper notify does not carry over to a changed body."""
    from django.conf import settings

    from payments.gateways.sandbox import sign

    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    stamp = str(int(time.time()))
    signature = sign(settings.SECRET_KEY, stamp, notify_body(payment, state="FAILED"))
    reply = post_notify(notify_body(payment), timestamp=stamp, signature=signature)
    assert reply.status_code == 400
    order.refresh_from_db()
    assert order.status == "pending"


def test_amount_mismatch_flags_and_leaves_the_order(user, variant, place):
    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    before = _order_state(order)
    reply = post_notify(notify_body(payment, amount="0.01"))
    assert (reply.status_code, reply.json()["code"]) == (400, "FAIL")
    assert _order_state(order) == before
    payment.refresh_from_db()
    assert (payment.status, payment.attention) == ("pending", "amount_mismatch")
    note = PaymentNotification.objects.get()
    assert (note.verified, note.outcome) == (True, "amount_mismatch")
    # The gateway retries for a day: every retry is recorded, but staff see one flag, not dozens.
    for _ in range(3):
        post_notify(notify_body(payment, amount="0.01"))
    assert PaymentNotification.objects.filter(outcome="amount_mismatch").count() == 4
    assert payment.events.filter(note__startswith="Provider says").count() == 1


def test_unknown_trade_is_refused(user, variant, place):
    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    payment.out_trade_no = "PNOSUCHTRADE123"
    reply = post_notify(notify_body(payment))
    assert (reply.status_code, reply.json()["code"]) == (400, "FAIL")
    order.refresh_from_db()
    assert order.status == "pending"
    assert PaymentNotification.objects.get().outcome == "unknown_trade"


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        "[]",
        '{"out_trade_no": "x"}',
        '{"out_trade_no": "x", "trade_state": "SUCCESS", "amount": "abc"}',
        "\x00\xff" * 10,
        "{" * 5000,
    ],
)
def test_malformed_notify_is_a_failure_reply_never_a_500(user, variant, place, body):
    order = place(user, (variant, 1))
    start_payment(user, order)
    reply = post_notify(body)  # correctly signed, but nonsense
    assert reply.status_code == 400
    assert reply.json()["code"] == "FAIL"
    order.refresh_from_db()
    assert order.status == "pending"
    note = PaymentNotification.objects.get()
    assert (note.verified, note.outcome) == (False, "rejected")


def test_huge_notify_body_is_stored_capped(user, variant, place):
    from payments.models import NOTIFY_BODY_MAX_CHARS

    reply = post_notify("x" * (NOTIFY_BODY_MAX_CHARS + 10))
    assert reply.status_code == 400
    note = PaymentNotification.objects.get()
    assert (len(note.body), note.body_truncated) == (NOTIFY_BODY_MAX_CHARS, True)


def test_payment_after_expiry_is_refunded_and_stock_untouched(user, variant, place):
    from orders.services import order_expire

    order = place(user, (variant, 2))
    payment = start_payment(user, order)
    Order.objects.filter(pk=order.pk).update(expires_at=order.created_at)
    order_expire(order)
    stock = stock_of(variant)
    assert stock.quantity_allocated == 0
    events = order.events.count()
    press(payment)
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.refunded_amount) == (
        "cancelled",
        "pending",
        Decimal("0.00"),
    )
    payment.refresh_from_db()
    assert (payment.status, payment.applied, payment.attention) == (
        "refunded",
        False,
        "late_payment",
    )
    refund = Refund.objects.get()
    assert (refund.status, refund.amount) == ("succeeded", payment.amount)
    assert order.events.count() == events + 1  # a note, no status change
    note = PaymentNotification.objects.get()
    assert (note.outcome, note.payment_id) == ("late_refunded", payment.pk)
    after = stock_of(variant)
    assert (after.quantity, after.quantity_allocated) == (stock.quantity, 0)


def test_payment_after_expiry_only_flagged_when_auto_refund_is_off(settings, user, variant, place):
    from orders.services import order_expire

    settings.PAYMENTS_AUTO_REFUND_LATE = False
    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    Order.objects.filter(pk=order.pk).update(expires_at=order.created_at)
    order_expire(order)
    press(payment)
    payment.refresh_from_db()
    assert (payment.status, payment.attention) == ("succeeded", "late_payment")
    assert not Refund.objects.exists()
    order.refresh_from_db()
    assert order.status == "cancelled"

"""Alipay through the shop's real endpoints and services, against the fake Alipay on 127.0.0.1
(payments/tests/alipay_fake.py, real RSA keys). The registry builds the adapter from settings;
our own verification always runs: notifies are signed as Alipay signs them."""

import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from inventory.tests.helpers import assert_stock_consistent
from orders.models import Order
from orders.services import order_expire
from orders.tests.helpers import stock_of
from payments.gateways import notify_url
from payments.models import Payment, PaymentNotification, Refund
from payments.tasks import payments_reconcile
from payments.tests.alipay_fake import (
    APP_ID,
    SELLER_ID,
    AlipayKeys,
    FakeAlipay,
    paid_notify,
    signed_notify,
)
from payments.tests.helpers import assert_paid_once, state
from payments.tests.test_races import race


@pytest.fixture(scope="module")
def keys() -> AlipayKeys:
    return AlipayKeys.generate()


@pytest.fixture(scope="module")
def fake_server(keys):
    fake = FakeAlipay(keys).start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def fake(fake_server, keys, settings):
    """Alipay enabled and configured with the fake's keys and URL (PEM text in the settings)."""
    fake_server.reset()
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox", "alipay"]
    settings.ALIPAY_APP_ID = APP_ID
    settings.ALIPAY_SELLER_ID = SELLER_ID
    settings.ALIPAY_APP_PRIVATE_KEY = keys.app_private_pem
    settings.ALIPAY_PUBLIC_KEY = keys.alipay_public_pem
    settings.ALIPAY_GATEWAY_URL = fake_server.url
    return fake_server


def pay(client, order, channel="page"):
    return client.post(
        f"/api/v1/orders/{order.number}/pay/",
        {"gateway": "alipay", "channel": channel},
        format="json",
    )


def started(user_client, order, channel="page") -> Payment:
    response = pay(user_client, order, channel)
    assert response.status_code == 201, response.data
    return Payment.objects.get(out_trade_no=response.data["out_trade_no"])


def post_notify(params: dict[str, str]):
    """Form POST to the notify URL the registry registers with Alipay."""
    path = urlsplit(notify_url("alipay")).path
    return Client().post(
        path, data=urlencode(params), content_type="application/x-www-form-urlencoded"
    )


def notify_of(payment, keys, amount=None, trade_no="2026010122001400000000000001", **extra):
    params = paid_notify(
        payment.out_trade_no,
        str(payment.amount if amount is None else amount),
        trade_no=trade_no,
        **extra,
    )
    return signed_notify(params, keys.alipay)


@pytest.fixture
def order(user, variant, place):
    return place(user, (variant, 2), payment_method="alipay")  # 2 x 50.00, free shipping


# --- create -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_pay_answers_a_signed_pay_url_at_the_gateway(user_client, order, fake, keys):
    response = pay(user_client, order, "page")
    assert response.status_code == 201, response.data
    data = response.data
    assert (data["gateway"], data["channel"], data["status"], data["amount"]) == (
        "alipay",
        "page",
        "pending",
        "100.00",
    )
    url = data["pay_url"]
    assert url.startswith(fake.url + "?") and data["client"]["pay_url"] == url
    params = dict(parse_qsl(urlsplit(url).query))
    assert params["method"] == "alipay.trade.page.pay"
    assert params["notify_url"] == "http://testserver/api/v1/payments/alipay/notify/"
    assert json.loads(params["biz_content"])["out_trade_no"] == data["out_trade_no"]
    assert fake.requests == []  # a page pay URL needs no call to Alipay


@pytest.mark.django_db
def test_qr_pay_precreates_at_alipay_and_answers_the_code_url(user_client, order, fake):
    response = pay(user_client, order, "qr")
    assert response.status_code == 201, response.data
    assert response.data["code_url"].startswith("https://qr.alipay.com/")
    (call,) = fake.requests
    assert call["method"] == "alipay.trade.precreate"
    assert call["biz_content"]["out_trade_no"] == response.data["out_trade_no"]
    assert Decimal(call["biz_content"]["total_amount"]) == Decimal("100.00")


# --- notify -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_valid_notify_confirms_once_even_when_repeated(user_client, order, keys):
    payment = started(user_client, order)
    events = order.events.count()
    params = notify_of(payment, keys)
    replies = [post_notify(params) for _ in range(10)]
    assert {(r.status_code, r.content) for r in replies} == {(200, b"success")}
    assert_paid_once(order, payment, events)
    payment.refresh_from_db()
    assert (payment.status, payment.applied, payment.transaction_id) == (
        "succeeded",
        True,
        "2026010122001400000000000001",
    )
    outcomes = list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["confirmed"] + ["duplicate"] * 9


@pytest.mark.django_db
def test_bad_signature_is_recorded_unverified_and_changes_nothing(user_client, order, keys):
    payment = started(user_client, order)
    forger = AlipayKeys.generate()
    before = order.events.count()
    reply = post_notify(notify_of(payment, forger))
    assert (reply.status_code, reply.content) == (200, b"fail")
    assert state(order) == ("pending", "pending") and order.events.count() == before
    payment.refresh_from_db()
    assert payment.status == "pending"
    note = PaymentNotification.objects.get()
    assert (note.verified, note.outcome, note.payment_id) == (False, "rejected", None)
    assert payment.out_trade_no in note.body


@pytest.mark.django_db
def test_signed_notify_of_another_amount_is_flagged_and_changes_nothing(user_client, order, keys):
    payment = started(user_client, order)
    before = order.events.count()
    reply = post_notify(notify_of(payment, keys, amount="0.01"))
    assert reply.content == b"fail"
    assert state(order) == ("pending", "pending") and order.events.count() == before
    payment.refresh_from_db()
    assert (payment.status, payment.attention) == ("pending", Payment.Attention.AMOUNT_MISMATCH)
    note = PaymentNotification.objects.get()
    assert (note.verified, note.outcome) == (True, "amount_mismatch")


@pytest.mark.django_db
def test_notify_for_an_unknown_trade_answers_fail(user_client, order, keys):
    payment = started(user_client, order)
    params = signed_notify(paid_notify("P000000NOSUCHTRADE", "100.00"), keys.alipay)
    reply = post_notify(params)
    assert (reply.status_code, reply.content) == (200, b"fail")
    assert state(order) == ("pending", "pending")
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert PaymentNotification.objects.get().outcome == "unknown_trade"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,content_type",
    [
        (b"", "application/x-www-form-urlencoded"),
        (b"\xff\xfe%%%&&&==sign", "application/x-www-form-urlencoded"),
        (b'{"out_trade_no": "x"}', "application/json"),
        (b"sign=abc&sign_type=RSA2&out_trade_no=\x00", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_notify_answers_fail_never_500(user_client, order, body, content_type):
    payment = started(user_client, order)
    reply = Client().post(urlsplit(notify_url("alipay")).path, data=body, content_type=content_type)
    assert (reply.status_code, reply.content) == (200, b"fail")
    assert state(order) == ("pending", "pending")
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert PaymentNotification.objects.get().verified is False


# --- reconciliation, refunds, late payments ---------------------------------------------------------


@pytest.mark.django_db
def test_reconcile_confirms_a_payment_alipay_reports_paid(user_client, order, fake):
    payment = started(user_client, order, "qr")
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert payments_reconcile() == {"pending": 1}  # not paid yet: left alone
    assert state(order) == ("pending", "pending")
    fake.pay(payment.out_trade_no, "100.00")
    assert payments_reconcile() == {"confirmed": 1}
    assert state(order) == ("processing", "paid")
    payment.refresh_from_db()
    assert (payment.status, payment.applied) == ("succeeded", True)
    assert payments_reconcile() == {}  # nothing open any more


@pytest.mark.django_db
def test_partial_then_full_refund_by_staff(user_client, staff_client, order, fake, keys, variant):
    payment = started(user_client, order)
    fake.pay(payment.out_trade_no, "100.00")
    assert post_notify(notify_of(payment, keys)).content == b"success"
    url = f"/api/v1/orders/{order.number}/refund/"
    first = staff_client.post(url, {"amount": "40.00", "reason": "damaged"}, format="json")
    assert first.status_code == 200, first.data
    assert first.data["payment_status"] == "partially_refunded"
    payment.refresh_from_db()
    assert payment.status == "partially_refunded"
    assert fake.trades[payment.out_trade_no].refunded == Decimal("40.00")
    second = staff_client.post(url, {"amount": "60.00"}, format="json")
    assert second.status_code == 200, second.data
    assert (second.data["status"], second.data["payment_status"]) == ("refunded", "refunded")
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert fake.trades[payment.out_trade_no].refunded == Decimal("100.00")
    calls = [r for r in fake.requests if r["method"] == "alipay.trade.refund"]
    assert [Decimal(c["biz_content"]["refund_amount"]) for c in calls] == [
        Decimal("40.00"),
        Decimal("60.00"),
    ]
    assert list(Refund.objects.order_by("pk").values_list("status", "amount")) == [
        ("succeeded", Decimal("40.00")),
        ("succeeded", Decimal("60.00")),
    ]
    assert stock_of(variant).quantity_allocated == 0  # the refunded order's stock went back


@pytest.mark.django_db
def test_payment_after_expiry_is_refunded_through_alipay(user_client, order, fake, keys, variant):
    payment = started(user_client, order)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    order_expire(order)
    assert state(order) == ("cancelled", "pending")
    fake.pay(payment.out_trade_no, "100.00")  # the payer paid anyway
    reply = post_notify(notify_of(payment, keys))
    assert reply.content == b"success"  # kept and refunded: Alipay must stop retrying
    assert state(order) == ("cancelled", "pending")
    payment.refresh_from_db()
    assert (payment.status, payment.applied, payment.attention) == (
        "refunded",
        False,
        Payment.Attention.LATE,
    )
    (call,) = [r for r in fake.requests if r["method"] == "alipay.trade.refund"]
    assert call["biz_content"]["out_trade_no"] == payment.out_trade_no
    assert Decimal(call["biz_content"]["refund_amount"]) == Decimal("100.00")
    assert fake.trades[payment.out_trade_no].refunded == Decimal("100.00")
    assert stock_of(variant).quantity_allocated == 0


# --- races on PostgreSQL ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_notifies_make_one_transition(user_client, order, keys):
    payment = started(user_client, order)
    events = order.events.count()
    params = notify_of(payment, keys)
    replies = race(*[lambda: post_notify(params)] * 6)
    assert all(not isinstance(r, Exception) for r in replies), replies
    assert {(r.status_code, r.content) for r in replies} == {(200, b"success")}
    assert_paid_once(order, payment, events)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repeat", range(2))
def test_notify_racing_the_expiry_task(user_client, order, fake, keys, variant, repeat):
    payment = started(user_client, order)
    fake.pay(payment.out_trade_no, "100.00")
    params = notify_of(payment, keys)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    reply, _ = race(lambda: post_notify(params), lambda: order_expire(order))
    assert not isinstance(reply, Exception) and reply.content == b"success", reply
    payment.refresh_from_db()
    stock = stock_of(variant)
    if state(order) == ("processing", "paid"):  # the notify won
        assert (payment.status, payment.applied) == ("succeeded", True)
        assert stock.quantity_allocated == 2
        assert not Refund.objects.exists()
    else:  # the expiry won: cancelled, stock released, the late payment refunded at Alipay
        assert state(order) == ("cancelled", "pending")
        assert (payment.status, payment.applied) == ("refunded", False)
        assert stock.quantity_allocated == 0
        assert fake.trades[payment.out_trade_no].refunded == Decimal("100.00")
    assert stock.quantity == 10
    assert_stock_consistent()

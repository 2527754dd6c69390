"""WeChat Pay through the shop's real endpoints and services. WeChat is played by
payments/tests/wechat_fake.py (real keys, real signatures, real AES-GCM): notifies are posted to the
notify URL the registry gives, the API is answered through `responses`. The registry builds the
adapter from settings; our own verification always runs."""

import json
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import responses
from django.test import Client
from django.utils import timezone

from inventory.tests.helpers import assert_stock_consistent
from orders.models import Order
from orders.services import order_expire
from orders.tests.helpers import stock_of
from payments.gateways import notify_url
from payments.models import Payment, PaymentNotification, Refund
from payments.tasks import payments_reconcile
from payments.tests.helpers import assert_paid_once, state
from payments.tests.test_races import race
from payments.tests.wechat_fake import FakeWechat, private_pem, public_pem, rsa_key

PAY = "/v3/pay/transactions"
REFUNDS = "/v3/refund/domestic/refunds"
TOTAL_FEN = 10000  # the order below: 2 x 50.00


@pytest.fixture(autouse=True)
def fake(settings):
    """WeChat enabled and configured with the fake's keys (PEM text) and API base."""
    fake = FakeWechat()
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox", "wechat"]
    settings.WECHATPAY_MCHID = fake.mchid
    settings.WECHATPAY_APPID = fake.appid
    settings.WECHATPAY_PRIVATE_KEY = private_pem(fake.merchant_key)
    settings.WECHATPAY_CERT_SERIAL_NO = fake.cert_serial_no
    settings.WECHATPAY_APIV3_KEY = fake.apiv3_key
    settings.WECHATPAY_PUBLIC_KEY = public_pem(fake.platform_key)
    settings.WECHATPAY_PUBLIC_KEY_ID = fake.public_key_id
    settings.WECHATPAY_API_BASE = fake.api_base
    return fake


@pytest.fixture
def api(fake):
    """The WeChat API: every call must be registered by the test (nothing reaches the network)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def order(user, variant, place):
    return place(user, (variant, 2), payment_method="wechat")


def started(user_client, order, fake, api) -> Payment:
    fake.expect(api, "POST", PAY + "/native", payload={"code_url": "weixin://wxpay/bizpayurl?pr=X"})
    response = user_client.post(
        f"/api/v1/orders/{order.number}/pay/", {"gateway": "wechat"}, format="json"
    )
    assert response.status_code == 201, response.data
    return Payment.objects.get(out_trade_no=response.data["out_trade_no"])


def post_notify(fake, payload, *, refund=False, **sign):
    original_type = "refund" if refund else "transaction"
    body, headers = fake.notify(payload, original_type=original_type, **sign)
    return post_raw(body, headers, refund=refund)


def post_raw(body, headers, *, refund=False):
    path = urlsplit(notify_url("wechat", refund=refund)).path
    return Client().post(
        path, data=body, content_type="application/json", **FakeWechat.meta(headers)
    )


def paid(fake, payment, fen=TOTAL_FEN, **fields):
    return fake.transaction(payment.out_trade_no, fen, transaction_id="4200001234TX1", **fields)


def untouched(order, payment, events):
    assert state(order) == ("pending", "pending")
    assert order.events.count() == events
    payment.refresh_from_db()
    assert payment.status == "pending"


# --- create -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_native_pay_answers_the_code_url(user_client, order, fake, api):
    payment = started(user_client, order, fake, api)
    assert payment.status == "pending" and payment.channel == "native"
    assert payment.raw["client"] == {"code_url": "weixin://wxpay/bizpayurl?pr=X"}
    ((method, path, body),) = fake.received  # the stand-in verified our Authorization signature
    assert (method, path) == ("POST", PAY + "/native")
    assert body["out_trade_no"] == payment.out_trade_no
    assert body["amount"] == {"total": TOTAL_FEN, "currency": "CNY"}
    assert body["notify_url"] == "http://testserver/api/v1/payments/wechat/notify/"
    assert (body["mchid"], body["appid"]) == (fake.mchid, fake.appid)


@pytest.mark.django_db
def test_jsapi_pays_with_the_openid_of_the_users_wechat_login(user, user_client, order, fake, api):
    user.wechat_openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
    user.save(update_fields=["wechat_openid"])
    fake.expect(
        api, "POST", PAY + "/jsapi", payload={"prepay_id": "wx201410272009395522657a690389"}
    )
    response = user_client.post(
        f"/api/v1/orders/{order.number}/pay/",
        {"gateway": "wechat", "channel": "jsapi"},
        format="json",
    )
    assert response.status_code == 201, response.data
    params = response.data["jsapi_params"]  # what wx.requestPayment takes, as docs/api.md says
    assert response.data["client"]["jsapi_params"] == params
    assert params["package"] == "prepay_id=wx201410272009395522657a690389"
    assert params["appId"] == fake.appid and params["paySign"]
    ((_, _, body),) = fake.received
    assert body["payer"] == {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}


@pytest.mark.django_db
def test_jsapi_without_a_wechat_login_is_a_clear_400(user, user_client, order, fake, api):
    assert not user.wechat_openid
    response = user_client.post(
        f"/api/v1/orders/{order.number}/pay/",
        {"gateway": "wechat", "channel": "jsapi"},
        format="json",
    )
    assert (response.status_code, response.data["code"]) == (400, "wechat_openid_required")
    assert fake.received == []  # WeChat was never asked
    assert not Payment.objects.exists()
    assert state(order) == ("pending", "pending")


@pytest.mark.django_db
@pytest.mark.parametrize("stored", ["", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"])
def test_jsapi_never_pays_as_an_openid_the_client_made_up(
    user, user_client, order, fake, api, stored
):
    # The payer is who WeChat login said: a client-sent openid of somebody else is refused, and
    # without a WeChat login a sent openid is no substitute for one.
    user.wechat_openid = stored or None
    user.save(update_fields=["wechat_openid"])
    response = user_client.post(
        f"/api/v1/orders/{order.number}/pay/",
        {"gateway": "wechat", "channel": "jsapi", "openid": "oSomebodyElse0000000000000000"},
        format="json",
    )
    code = "wechat_openid_mismatch" if stored else "wechat_openid_required"
    assert (response.status_code, response.data["code"]) == (400, code)
    assert fake.received == []
    assert not Payment.objects.exists()
    assert state(order) == ("pending", "pending")


# --- notify -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_valid_notify_confirms_once_even_when_repeated(user_client, order, fake, api):
    payment = started(user_client, order, fake, api)
    events = order.events.count()
    body, headers = fake.notify(paid(fake, payment))
    replies = [post_raw(body, headers) for _ in range(10)]
    assert {(r.status_code, r.json()["code"]) for r in replies} == {(200, "SUCCESS")}
    assert_paid_once(order, payment, events)
    payment.refresh_from_db()
    assert (payment.status, payment.applied, payment.transaction_id) == (
        "succeeded",
        True,
        "4200001234TX1",
    )
    outcomes = list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["confirmed"] + ["duplicate"] * 9


@pytest.mark.django_db
def test_bad_signature_is_recorded_unverified_and_changes_nothing(user_client, order, fake, api):
    payment = started(user_client, order, fake, api)
    events = order.events.count()
    reply = post_notify(fake, paid(fake, payment), key=rsa_key("forger"))
    assert (reply.status_code, reply.json()["code"]) == (400, "FAIL")
    untouched(order, payment, events)
    note = PaymentNotification.objects.get()
    assert (note.verified, note.outcome, note.payment_id) == (False, "rejected", None)
    assert note.headers.get("Wechatpay-Serial") == fake.public_key_id


@pytest.mark.django_db
def test_signed_notify_of_another_amount_is_flagged_and_changes_nothing(
    user_client, order, fake, api
):
    payment = started(user_client, order, fake, api)
    events = order.events.count()
    reply = post_notify(fake, paid(fake, payment, fen=1))
    assert (reply.status_code, reply.json()["code"]) == (400, "FAIL")
    untouched(order, payment, events)
    assert payment.attention == Payment.Attention.AMOUNT_MISMATCH
    note = PaymentNotification.objects.get()
    assert (note.verified, note.outcome) == (True, "amount_mismatch")


@pytest.mark.django_db
def test_notify_ten_minutes_old_is_rejected(user_client, order, fake, api):
    payment = started(user_client, order, fake, api)
    events = order.events.count()
    reply = post_notify(fake, paid(fake, payment), timestamp=int(time.time()) - 600)
    assert (reply.status_code, reply.json()["code"]) == (400, "FAIL")
    untouched(order, payment, events)
    note = PaymentNotification.objects.get()
    assert (note.verified, note.outcome) == (False, "rejected")
    assert "stale" in note.error


@pytest.mark.django_db
def test_unknown_serial_is_rejected_without_any_network_call(user_client, order, fake, api):
    payment = started(user_client, order, fake, api)
    events = order.events.count()
    calls = len(api.calls)
    reply = post_notify(fake, paid(fake, payment), serial="PUB_KEY_ID_SOMEONE_ELSE")
    assert (reply.status_code, reply.json()["code"]) == (400, "FAIL")
    assert len(api.calls) == calls  # no certificate download, no call at all
    untouched(order, payment, events)
    note = PaymentNotification.objects.get()
    assert (note.verified, note.outcome) == (False, "rejected")
    assert "unknown_serial" in note.error


@pytest.mark.django_db
def test_notify_for_an_unknown_trade_answers_fail(user_client, order, fake, api):
    payment = started(user_client, order, fake, api)
    events = order.events.count()
    reply = post_notify(fake, fake.transaction("P000000NOSUCHTRADE0000", TOTAL_FEN))
    assert (reply.status_code, reply.json()["code"]) == (400, "FAIL")
    untouched(order, payment, events)
    assert PaymentNotification.objects.get().outcome == "unknown_trade"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [b"", b"{", b"\xff\xfe\x00garbage", b'{"resource": 1}', b"[]", b'{"resource": {}}']
)
def test_malformed_notify_answers_fail_never_500(user_client, order, fake, api, body):
    payment = started(user_client, order, fake, api)
    events = order.events.count()
    reply = post_raw(body, fake.sign(body))  # signed even: still not a notify
    assert (reply.status_code, reply.json()["code"]) == (400, "FAIL")
    untouched(order, payment, events)
    assert PaymentNotification.objects.get().verified is False


# --- reconciliation, refunds, late payments ---------------------------------------------------------


@pytest.mark.django_db
def test_reconcile_confirms_a_payment_wechat_reports_paid(user_client, order, fake, api):
    payment = started(user_client, order, fake, api)
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    query = PAY + f"/out-trade-no/{payment.out_trade_no}"
    fake.expect(api, "GET", query, payload=paid(fake, payment))
    assert payments_reconcile() == {"confirmed": 1}
    assert fake.received[-1][:2] == ("GET", query + f"?mchid={fake.mchid}")
    assert state(order) == ("processing", "paid")
    payment.refresh_from_db()
    assert (payment.status, payment.applied, payment.transaction_id) == (
        "succeeded",
        True,
        "4200001234TX1",
    )


@pytest.mark.django_db
def test_partial_then_full_refund_by_staff(user_client, staff_client, order, fake, api, variant):
    payment = started(user_client, order, fake, api)
    assert post_notify(fake, paid(fake, payment)).status_code == 200
    url = f"/api/v1/orders/{order.number}/refund/"

    def refund(amount_fen):
        fake.received.clear()
        api.remove(responses.POST, fake.api_base + REFUNDS)
        answers = []

        def answer(request):
            sent = json.loads(request.body)
            answers.append(sent)
            payload = fake.refund_answer(
                payment.out_trade_no, sent["out_refund_no"], amount_fen, TOTAL_FEN
            )
            return fake.answer(200, payload)(request)

        api.add_callback(responses.POST, fake.api_base + REFUNDS, callback=answer)
        response = staff_client.post(url, {"amount": f"{amount_fen / 100:.2f}"}, format="json")
        assert response.status_code == 200, response.data
        (sent,) = answers
        assert sent["amount"] == {"refund": amount_fen, "total": TOTAL_FEN, "currency": "CNY"}
        assert sent["notify_url"] == "http://testserver/api/v1/payments/wechat/refund-notify/"
        refund_row = Refund.objects.get(out_request_no=sent["out_refund_no"])
        assert refund_row.status == "pending"  # WeChat answered PROCESSING
        resource = fake.refund_resource(
            payment.out_trade_no, sent["out_refund_no"], amount_fen, TOTAL_FEN
        )
        reply = post_notify(fake, resource, refund=True)
        assert (reply.status_code, reply.json()["code"]) == (200, "SUCCESS")
        refund_row.refresh_from_db()
        assert refund_row.status == "succeeded"

    refund(4000)
    payment.refresh_from_db()
    assert payment.status == "partially_refunded"
    assert state(order) == ("processing", "partially_refunded")
    refund(6000)
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert state(order) == ("refunded", "refunded")
    assert stock_of(variant).quantity_allocated == 0


@pytest.mark.django_db
def test_payment_after_expiry_is_refunded_through_wechat(user_client, order, fake, api, variant):
    payment = started(user_client, order, fake, api)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    order_expire(order)
    assert state(order) == ("cancelled", "pending")
    fake.received.clear()

    def answer(request):
        sent = json.loads(request.body)
        payload = fake.refund_answer(
            payment.out_trade_no, sent["out_refund_no"], TOTAL_FEN, TOTAL_FEN
        )
        return fake.answer(200, payload)(request)

    api.add_callback(responses.POST, fake.api_base + REFUNDS, callback=answer)
    reply = post_notify(fake, paid(fake, payment))
    assert (reply.status_code, reply.json()["code"]) == (200, "SUCCESS")
    assert state(order) == ("cancelled", "pending")
    ((method, path, sent),) = fake.received  # WeChat saw the refund call
    assert (method, path) == ("POST", REFUNDS)
    assert sent["out_trade_no"] == payment.out_trade_no
    assert sent["amount"]["refund"] == TOTAL_FEN
    payment.refresh_from_db()
    assert (payment.applied, payment.attention) == (False, Payment.Attention.LATE)
    assert Refund.objects.get().status == "pending"  # settles on WeChat's refund notify
    assert stock_of(variant).quantity_allocated == 0


# --- races on PostgreSQL ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_notifies_make_one_transition(user_client, order, fake, api):
    payment = started(user_client, order, fake, api)
    events = order.events.count()
    body, headers = fake.notify(paid(fake, payment))
    replies = race(*[lambda: post_raw(body, headers)] * 6)
    assert all(not isinstance(r, Exception) for r in replies), replies
    assert {(r.status_code, r.json()["code"]) for r in replies} == {(200, "SUCCESS")}
    assert_paid_once(order, payment, events)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repeat", range(2))
def test_notify_racing_the_expiry_task(user_client, order, fake, api, variant, repeat):
    payment = started(user_client, order, fake, api)

    def answer(request):
        sent = json.loads(request.body)
        payload = fake.refund_answer(
            payment.out_trade_no, sent["out_refund_no"], TOTAL_FEN, TOTAL_FEN, status="SUCCESS"
        )
        return fake.answer(200, payload)(request)

    api.add_callback(responses.POST, fake.api_base + REFUNDS, callback=answer)
    body, headers = fake.notify(paid(fake, payment))
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    reply, _ = race(lambda: post_raw(body, headers), lambda: order_expire(order))
    assert not isinstance(reply, Exception) and reply.status_code == 200, reply
    payment.refresh_from_db()
    stock = stock_of(variant)
    if state(order) == ("processing", "paid"):  # the notify won
        assert (payment.status, payment.applied) == ("succeeded", True)
        assert stock.quantity_allocated == 2
        assert not Refund.objects.exists()
    else:  # the expiry won: cancelled, stock released, the late payment refunded at WeChat
        assert state(order) == ("cancelled", "pending")
        assert (payment.status, payment.applied) == ("refunded", False)
        assert stock.quantity_allocated == 0
        assert [c[1] for c in fake.received if c[0] == "POST"][-1] == REFUNDS
    assert stock.quantity == 10
    assert_stock_consistent()

"""The Alipay adapter against a fake Alipay on 127.0.0.1 with real RSA keys (payments/tests/alipay_fake.py).

The adapter's own verification always runs: the fake signs notifies and answers as Alipay does, and
checks the signature of every request the adapter sends.
"""

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils import timezone

from payments.gateways.alipay import AlipayConfig, AlipayGateway
from payments.gateways.base import (
    CLOSED,
    FAILED,
    PENDING,
    REFUNDED,
    SUCCEEDED,
    Gateway,
    GatewayError,
    NotifyRejected,
    PaymentRequest,
    RefundRequest,
)
from payments.tests.alipay_fake import (
    APP_ID,
    SELLER_ID,
    AlipayKeys,
    FakeAlipay,
    notify_request,
    paid_notify,
    rsa2_verify,
    signed_notify,
    signing_string,
)

NOTIFY_URL = "https://shop.example.com/api/v1/payments/alipay/notify/"


@pytest.fixture(scope="module")
def keys() -> AlipayKeys:
    return AlipayKeys.generate()


@pytest.fixture(scope="module")
def stranger_keys() -> AlipayKeys:
    """Someone else's keys: a forger's, or a shop configured with the wrong app key."""
    return AlipayKeys.generate()


@pytest.fixture(scope="module")
def fake_server(keys):
    fake = FakeAlipay(keys).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(fake_server):
    fake_server.reset()
    return fake_server


def make_gateway(keys: AlipayKeys, url: str, **overrides) -> AlipayGateway:
    config = {
        "app_id": APP_ID,
        "app_private_key": keys.app_private_pem,
        "alipay_public_key": keys.alipay_public_pem,
        "gateway_url": url,
        "notify_url": NOTIFY_URL,
        "seller_id": SELLER_ID,
        "timeout": 2,
        **overrides,
    }
    return AlipayGateway(AlipayConfig(**config))


@pytest.fixture(scope="module")
def module_gateway(keys, fake_server) -> AlipayGateway:
    # Built once: loading the RSA keys costs a tenth of a second (the registry caches it too).
    return make_gateway(keys, fake_server.url)


@pytest.fixture
def gateway(module_gateway, fake) -> AlipayGateway:
    return module_gateway


def as_gateway(gateway: AlipayGateway) -> Gateway:
    """mypy checks here that AlipayGateway implements base.Gateway."""
    return gateway


def pay_request(channel="page", amount="88.8", **kwargs) -> PaymentRequest:
    return PaymentRequest(
        out_trade_no=kwargs.pop("out_trade_no", "ORD20260101A"),
        amount=Decimal(amount),
        subject="订单 ORD20260101A",
        channel=channel,
        notify_url=NOTIFY_URL,
        **kwargs,
    )


def refund_request(out_request_no, amount, total="100.00", out_trade_no="ORD20260101A"):
    return RefundRequest(
        out_trade_no=out_trade_no,
        out_request_no=out_request_no,
        amount=Decimal(amount),
        total=Decimal(total),
        reason="退货",
    )


def url_params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def test_implements_the_gateway_interface(gateway):
    g = as_gateway(gateway)
    assert (g.name, g.channels) == ("alipay", ("page", "wap", "qr"))
    assert "PRIVATE" not in repr(gateway.config)  # the key never reaches a log


# --- create -------------------------------------------------------------------------------------


def test_page_pay_url_is_signed_with_the_app_key_and_needs_no_network(
    gateway, fake, keys, settings
):
    settings.TIME_ZONE = "UTC"  # a server clock that is not Beijing's (Django sets the process TZ)
    expires_at = timezone.now() + timedelta(minutes=30)
    result = gateway.create(
        pay_request(return_url="https://shop.example.com/orders/1/", expires_at=expires_at)
    )

    url = result.client["pay_url"]
    assert url.startswith(fake.url + "?")
    params = url_params(url)
    # Alipay checks a request's signature over every parameter but `sign`, sorted, k=v joined by &.
    assert rsa2_verify(
        keys.app.public_key(), signing_string(params, drop=("sign",)), params["sign"]
    )
    assert params["method"] == "alipay.trade.page.pay"
    assert params["app_id"] == APP_ID and params["sign_type"] == "RSA2"
    assert params["notify_url"] == NOTIFY_URL
    assert params["return_url"] == "https://shop.example.com/orders/1/"
    biz = json.loads(params["biz_content"])
    assert biz["out_trade_no"] == "ORD20260101A"
    assert biz["total_amount"] == "88.80"  # quantized, a string
    assert biz["subject"] == "订单 ORD20260101A"
    assert biz["product_code"] == "FAST_INSTANT_TRADE_PAY"
    assert biz["timeout_express"] == "29m"  # rounded down: Alipay stops before the order expires
    # Alipay reads the timestamp as Beijing time, whatever the server's zone.
    stamp = datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S")
    beijing_now = timezone.now().astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs(beijing_now - stamp) < timedelta(minutes=1)
    assert fake.requests == []  # built locally


def test_wap_pay_url(gateway, keys):
    params = url_params(gateway.create(pay_request("wap", amount="0.01")).client["pay_url"])
    assert rsa2_verify(
        keys.app.public_key(), signing_string(params, drop=("sign",)), params["sign"]
    )
    biz = json.loads(params["biz_content"])
    assert (biz["product_code"], biz["total_amount"]) == ("QUICK_WAP_PAY", "0.01")
    assert "return_url" not in params and "timeout_express" not in biz


def test_unknown_channel_is_a_value_error(gateway, fake):
    with pytest.raises(ValueError):
        gateway.create(pay_request("native"))
    assert fake.requests == []


def test_qr_precreate_returns_the_code_url(gateway, fake):
    result = gateway.create(pay_request("qr", amount="12.3"))

    assert result.client == {"code_url": "https://qr.alipay.com/bax000001"}
    assert result.raw["code"] == "10000"
    [sent] = fake.requests
    assert sent["method"] == "alipay.trade.precreate"
    assert sent["notify_url"] == NOTIFY_URL
    assert sent["biz_content"]["total_amount"] == "12.30"
    assert fake.trades["ORD20260101A"].status == "WAIT_BUYER_PAY"


def test_keys_as_bare_base64_from_the_alipay_console(keys, fake):
    def bare(pem: str) -> str:
        return "".join(line for line in pem.splitlines() if not line.startswith("-----"))

    gateway = make_gateway(
        keys,
        fake.url,
        app_private_key=bare(keys.app_private_pem),
        alipay_public_key=bare(keys.alipay_public_pem),
    )
    fake.pay("ORD20260101A", "88.80")
    assert gateway.query("ORD20260101A").status == SUCCEEDED


# --- notify -------------------------------------------------------------------------------------


def test_a_valid_notify_states_a_succeeded_payment(gateway, keys):
    state = gateway.parse_notify(notify_request(signed_notify(paid_notify(), keys.alipay)))

    assert state.status == SUCCEEDED
    assert state.out_trade_no == "ORD20260101A"
    assert state.amount == Decimal("88.80")
    assert state.transaction_id == "2026010122001400000000000001"
    assert state.app_id == APP_ID
    assert state.paid_at == datetime(2026, 1, 1, 4, 0, 4, tzinfo=UTC)  # 12:00:04 in Beijing
    assert state.raw["notify_id"] == "ac05099524730693a8b330c5ecf72da9786"


@pytest.mark.parametrize(
    "fields, status",
    [
        ({"trade_status": "TRADE_FINISHED"}, SUCCEEDED),
        ({"trade_status": "WAIT_BUYER_PAY", "trade_no": "", "gmt_payment": ""}, PENDING),
        (
            {"trade_status": "TRADE_CLOSED", "gmt_payment": "", "gmt_close": "2026-01-01 12:30:00"},
            CLOSED,
        ),
        # Paid, then fully refunded: Alipay says TRADE_CLOSED, but the money was taken.
        (
            {
                "trade_status": "TRADE_CLOSED",
                "refund_fee": "88.80",
                "gmt_refund": "2026-01-02 09:00:00",
            },
            REFUNDED,
        ),
    ],
)
def test_notify_trade_statuses(gateway, keys, fields, status):
    params = {k: v for k, v in paid_notify(**fields).items() if v != ""}
    assert gateway.parse_notify(notify_request(signed_notify(params, keys.alipay))).status == status


def _signed(keys, **fields):
    return urlencode(signed_notify(paid_notify(**fields), keys.alipay))


def _without(keys, field):
    params = paid_notify()
    del params[field]
    return urlencode(signed_notify(params, keys.alipay))


def _resigned(keys, **fields):
    """Signed correctly, then sign / sign_type replaced."""
    params = signed_notify(paid_notify(), keys.alipay)
    params.update(fields)
    return urlencode(params)


REJECTED = {
    "forged with another key": (
        lambda k, s: urlencode(signed_notify(paid_notify(), s.alipay)),
        "bad_signature",
    ),
    "amount changed after signing": (
        lambda k, s: _signed(k).replace("total_amount=88.80", "total_amount=0.01"),
        "bad_signature",
    ),
    "malformed base64 sign": (lambda k, s: _resigned(k, sign="not*base64!"), "bad_signature"),
    "truncated sign": (lambda k, s: _resigned(k, sign="QUJD"), "bad_signature"),
    "no sign": (lambda k, s: urlencode(paid_notify()), "bad_signature"),
    "sign_type RSA": (lambda k, s: _resigned(k, sign_type="RSA"), "bad_signature"),
    "another app's notify": (lambda k, s: _signed(k, app_id="2021999999999999"), "app_id_mismatch"),
    "another seller's notify": (
        lambda k, s: _signed(k, seller_id="2088999999999999"),
        "seller_id_mismatch",
    ),
    "no out_trade_no": (lambda k, s: _without(k, "out_trade_no"), "malformed"),
    "no total_amount": (lambda k, s: _without(k, "total_amount"), "malformed"),
    "no trade_no": (lambda k, s: _without(k, "trade_no"), "malformed"),
    "no trade_status": (lambda k, s: _without(k, "trade_status"), "malformed"),
    "no app_id": (lambda k, s: _without(k, "app_id"), "app_id_mismatch"),
    "amount not a number": (lambda k, s: _signed(k, total_amount="8x.80"), "malformed"),
    "amount NaN": (lambda k, s: _signed(k, total_amount="NaN"), "malformed"),
    "negative amount": (lambda k, s: _signed(k, total_amount="-1.00"), "malformed"),
    "bad payment time": (lambda k, s: _signed(k, gmt_payment="yesterday"), "malformed"),
    "unknown trade status": (lambda k, s: _signed(k, trade_status="TRADE_PAID"), "malformed"),
    "empty body": (lambda k, s: b"", "malformed"),
    "duplicate key": (lambda k, s: _signed(k) + "&total_amount=0.01", "malformed"),
    "not UTF-8": (lambda k, s: b"out_trade_no=\xff\xfe&sign=\xc3\x28&app_id=\x80", "bad_signature"),
    "too many fields": (lambda k, s: "&".join(f"f{i}=1" for i in range(1100)), "malformed"),
    "huge body": (
        lambda k, s: "a=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        "malformed",
    ),
    "garbage": (lambda k, s: b"\x00\x01%%%===&&&", "bad_signature"),
}


@pytest.mark.parametrize("case", REJECTED, ids=list(REJECTED))
def test_a_bad_notify_is_rejected_and_nothing_else_is_raised(gateway, keys, stranger_keys, case):
    build, reason = REJECTED[case]
    with pytest.raises(NotifyRejected) as rejected:
        gateway.parse_notify(notify_request(build(keys, stranger_keys)))
    assert rejected.value.reason == reason


def test_a_json_or_multipart_body_is_rejected(gateway, keys):
    body = json.dumps(signed_notify(paid_notify(), keys.alipay))
    with pytest.raises(NotifyRejected):
        gateway.parse_notify(notify_request(body, content_type="application/json"))
    with pytest.raises(NotifyRejected):
        gateway.parse_notify(
            notify_request(b"--x\r\nbroken", content_type="multipart/form-data; boundary=x")
        )


def test_seller_id_is_not_checked_when_not_configured(keys, fake):
    gateway = make_gateway(keys, fake.url, seller_id="")
    request = notify_request(_signed(keys, seller_id="2088999999999999"))
    assert gateway.parse_notify(request).status == SUCCEEDED


def test_notify_replies_are_plain_words(gateway):
    for accepted, word in ((True, b"success"), (False, b"fail")):
        reply = gateway.notify_reply(accepted)
        assert (reply.status_code, reply.content) == (200, word)
        assert reply["Content-Type"].startswith("text/plain")


def test_there_is_no_refund_notify(gateway, keys):
    with pytest.raises(NotifyRejected) as rejected:
        gateway.parse_refund_notify(notify_request(_signed(keys)))
    assert rejected.value.reason == "unsupported"


# --- query and close ----------------------------------------------------------------------------


def test_query_of_a_paid_trade(gateway, fake):
    fake.pay("ORD20260101A", "88.80")

    state = gateway.query("ORD20260101A")

    assert state.status == SUCCEEDED
    assert state.amount == Decimal("88.80")
    assert state.transaction_id == "2026010122001400000000000001"
    assert state.paid_at == datetime(2026, 1, 1, 4, 0, 4, tzinfo=UTC)
    [sent] = fake.requests
    assert sent["method"] == "alipay.trade.query"
    assert sent["biz_content"] == {"out_trade_no": "ORD20260101A"}


def test_query_of_a_trade_not_started_or_waiting_is_pending(gateway, fake):
    state = gateway.query("ORD20260101A")  # the payer never opened the pay page
    assert (state.status, state.amount, state.transaction_id) == (PENDING, None, "")
    assert state.raw["sub_code"] == "ACQ.TRADE_NOT_EXIST"

    gateway.create(pay_request("qr"))
    state = gateway.query("ORD20260101A")
    assert (state.status, state.amount) == (PENDING, Decimal("88.80"))


def test_close_an_unpaid_trade(gateway, fake):
    gateway.create(pay_request("qr"))

    gateway.close("ORD20260101A")

    assert fake.trades["ORD20260101A"].status == "TRADE_CLOSED"
    assert gateway.query("ORD20260101A").status == CLOSED


def test_close_of_a_trade_alipay_never_saw_is_done(gateway, fake):
    gateway.close("ORD20260101A")
    assert fake.requests[0]["method"] == "alipay.trade.close"


def test_close_of_a_paid_trade_is_an_error(gateway, fake):
    fake.pay("ORD20260101A", "88.80")
    with pytest.raises(GatewayError, match=r"ACQ\.TRADE_STATUS_ERROR"):
        gateway.close("ORD20260101A")
    assert fake.trades["ORD20260101A"].status == "TRADE_SUCCESS"


# --- refunds ------------------------------------------------------------------------------------


def test_partial_then_full_refund(gateway, fake):
    fake.pay("ORD20260101A", "100.00")

    first = gateway.refund(refund_request("RF1", "30"))
    second = gateway.refund(refund_request("RF2", "70.00"))

    assert (first.status, first.amount, first.out_request_no) == (
        SUCCEEDED,
        Decimal("30.00"),
        "RF1",
    )
    assert (second.status, second.amount) == (SUCCEEDED, Decimal("70.00"))
    trade = fake.trades["ORD20260101A"]
    assert trade.refunds == {"RF1": Decimal("30.00"), "RF2": Decimal("70.00")}
    sent = [
        (r["biz_content"]["out_request_no"], r["biz_content"]["refund_amount"])
        for r in fake.requests
    ]
    assert sent == [("RF1", "30.00"), ("RF2", "70.00")]
    assert fake.requests[0]["biz_content"]["refund_reason"] == "退货"
    # Fully refunded: Alipay now says TRADE_CLOSED, which is not an unpaid close.
    assert gateway.query("ORD20260101A").status == REFUNDED


def test_a_refund_without_fund_change_is_not_succeeded(gateway, fake):
    fake.pay("ORD20260101A", "100.00")
    assert gateway.refund(refund_request("RF1", "30.00")).status == SUCCEEDED

    # The same out_request_no again: code 10000 but fund_change "N", no money moved this time.
    again = gateway.refund(refund_request("RF1", "30.00"))

    assert (again.status, again.amount) == (PENDING, None)
    assert again.raw["fund_change"] == "N"
    assert fake.trades["ORD20260101A"].refunded == Decimal("30.00")
    # A refund query settles it.
    settled = gateway.query_refund("ORD20260101A", "RF1")
    assert (settled.status, settled.amount) == (SUCCEEDED, Decimal("30.00"))


def test_query_of_a_refund_alipay_does_not_know_is_pending(gateway, fake):
    fake.pay("ORD20260101A", "100.00")
    assert gateway.query_refund("ORD20260101A", "RF9").status == PENDING


@pytest.mark.parametrize(
    "failure, status",
    [
        ({"sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "sub_msg": "退款金额超限"}, FAILED),
        ({"sub_code": "ACQ.TRADE_STATUS_ERROR"}, FAILED),
        (
            {"sub_code": "ACQ.SYSTEM_ERROR"},
            PENDING,
        ),  # Alipay may still do it: retry the same request
    ],
)
def test_refund_business_failures(gateway, fake, failure, status):
    fake.pay("ORD20260101A", "100.00")
    fake.refund_failure = failure

    state = gateway.refund(refund_request("RF1", "30.00"))

    assert (state.status, state.amount) == (status, None)
    assert state.raw["sub_code"] == failure["sub_code"]
    assert fake.trades["ORD20260101A"].refunded == Decimal("0.00")


def test_refund_beyond_what_was_paid_fails(gateway, fake):
    fake.pay("ORD20260101A", "100.00")
    assert gateway.refund(refund_request("RF1", "60.00")).status == SUCCEEDED
    assert gateway.refund(refund_request("RF2", "60.00")).status == FAILED
    assert fake.trades["ORD20260101A"].refunded == Decimal("60.00")


# --- answers we cannot trust, and no answer at all ----------------------------------------------


def _forged_refund(text):
    return text.replace('"send_back_fee":"30.00"', '"send_back_fee":"3000.00"')


@pytest.mark.parametrize(
    "tamper",
    [
        lambda text: text.replace('"total_amount":"88.80"', '"total_amount":"0.01"'),
        lambda text: text.replace(
            '"trade_status":"WAIT_BUYER_PAY"', '"trade_status":"TRADE_SUCCESS"'
        ),
        lambda text: "<html>502 Bad Gateway</html>",
        lambda text: text[: len(text) // 2],
    ],
    ids=["amount changed", "status changed", "not json", "truncated"],
)
def test_an_answer_that_does_not_verify_is_a_gateway_error(gateway, fake, tamper):
    gateway.create(pay_request("qr"))
    fake.tamper = tamper
    with pytest.raises(GatewayError):
        gateway.query("ORD20260101A")


def test_a_refund_answer_with_a_bad_signature_is_a_gateway_error(gateway, fake):
    fake.pay("ORD20260101A", "100.00")
    fake.tamper = _forged_refund
    with pytest.raises(GatewayError, match="signature"):
        gateway.refund(refund_request("RF1", "30.00"))


def test_an_unsigned_answer_is_a_gateway_error(gateway, fake):
    fake.pay("ORD20260101A", "100.00")
    fake.unsigned = True
    with pytest.raises(GatewayError):
        gateway.query("ORD20260101A")


def test_an_answer_signed_with_another_key_is_a_gateway_error(keys, stranger_keys, fake):
    # The shop holds the wrong Alipay public key: nothing Alipay says can be trusted.
    gateway = make_gateway(keys, fake.url, alipay_public_key=stranger_keys.alipay_public_pem)
    fake.pay("ORD20260101A", "100.00")
    with pytest.raises(GatewayError, match="signature"):
        gateway.refund(refund_request("RF1", "30.00"))


def test_a_request_signed_with_the_wrong_app_key_is_refused_by_alipay(keys, stranger_keys, fake):
    gateway = make_gateway(keys, fake.url, app_private_key=stranger_keys.app_private_pem)
    fake.pay("ORD20260101A", "100.00")
    with pytest.raises(GatewayError, match=r"isv\.invalid-signature"):
        gateway.query("ORD20260101A")
    assert fake.requests == []  # the fake Alipay never acted on it


@pytest.mark.parametrize("call", ["query", "refund", "precreate"])
def test_a_gateway_that_does_not_answer_in_time_is_a_gateway_error(keys, fake, call):
    gateway = make_gateway(keys, fake.url, timeout=1)
    fake.pay("ORD20260101A", "100.00")
    fake.delay = 3
    started = time.monotonic()
    with pytest.raises(GatewayError):
        if call == "query":
            gateway.query("ORD20260101A")
        elif call == "refund":
            gateway.refund(refund_request("RF1", "30.00"))
        else:
            gateway.create(pay_request("qr", out_trade_no="ORD20260101B"))
    assert time.monotonic() - started < 3


def test_an_unreachable_gateway_is_a_gateway_error(keys):
    fake = FakeAlipay(keys).start()
    gateway = make_gateway(keys, fake.url)
    fake.stop()  # nothing listens on the port any more
    with pytest.raises(GatewayError):
        gateway.close("ORD20260101A")


def test_a_bad_key_fails_at_construction(keys):
    with pytest.raises(ValueError):
        make_gateway(keys, "http://127.0.0.1:9/gateway.do", alipay_public_key="not a key")
    der = keys.alipay.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    make_gateway(
        keys, "http://127.0.0.1:9/gateway.do", alipay_public_key=base64.b64encode(der).decode()
    )

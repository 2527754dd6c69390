"""The WeChat Pay v3 adapter alone: real keys, real signatures, real AES-GCM, no network.

WeChat is played by payments/tests/wechat_fake.py; the SDK's HTTP calls are answered by `responses`.
No database: the adapter knows no models.
"""

import base64
import json
import socket
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
import responses
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from payments.gateways.base import (
    CLOSED,
    FAILED,
    PENDING,
    REFUNDED,
    SUCCEEDED,
    GatewayError,
    NotifyRejected,
    PaymentRequest,
    RefundRequest,
)
from payments.gateways.wechat import WechatApiError, WechatConfig, WechatGateway
from payments.tests.wechat_fake import FakeWechat, private_pem, rsa_key

PAY_PATH = "/v3/pay/transactions"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a socket fails the test loudly (loopback stays allowed)."""
    real_connect = socket.socket.connect
    attempts = []

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if host in ("127.0.0.1", "::1", "localhost") or isinstance(address, str | bytes):
            return real_connect(sock, address)
        attempts.append(address)
        raise OSError(f"network blocked in tests: {address!r}")

    def no_dns(host, *args, **kwargs):
        attempts.append(host)
        raise OSError(f"DNS blocked in tests: {host!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    yield attempts
    assert attempts == [], f"the test tried to reach the network: {attempts}"


@pytest.fixture
def fake():
    return FakeWechat()


@pytest.fixture(scope="module")
def gateway():
    # Stateless, and loading the merchant key costs ~70 ms: one for the module.
    return FakeWechat().gateway()


def pay_request(channel="native", **kw):
    values = {
        "out_trade_no": "2026010512345678",
        "amount": Decimal("19.99"),
        "subject": "Order 2026010512345678",
        "channel": channel,
        "notify_url": FakeWechat.notify_url,
    }
    values.update(kw)
    return PaymentRequest(**values)


def rejected(gateway, body, headers, method="parse_notify"):
    request = FakeWechat().notify_request(body, headers)
    with pytest.raises(NotifyRejected) as info:
        getattr(gateway, method)(request)
    return info.value.reason


# --- construction ------------------------------------------------------------------------------


def test_constructing_makes_no_network_call_and_points_the_sdk_at_api_base(fake):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        gateway = fake.gateway(api_base="http://127.0.0.1:9/stand-in/")
        assert len(rsps.calls) == 0
    assert gateway._client._core._gate_way == "http://127.0.0.1:9/stand-in"
    assert gateway.name == "wechat"
    assert gateway.channels[0] == "native"


def test_config_refuses_an_apiv3_key_that_is_not_32_ascii_characters(fake):
    with pytest.raises(ValueError, match="32 ASCII"):
        fake.config(apiv3_key="too-short")
    with pytest.raises(ValueError, match="32 ASCII"):
        fake.config(apiv3_key="é" * 32)


def test_a_crlf_or_pkcs1_merchant_key_is_accepted(fake):
    from cryptography.hazmat.primitives import serialization

    pkcs1 = fake.merchant_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    gateway = fake.gateway(private_key=pkcs1.replace("\n", "\r\n"))
    # It signs with the merchant key: the stand-in verifies the Authorization header.
    with responses.RequestsMock() as rsps:
        fake.expect(rsps, "POST", PAY_PATH + "/native", payload={"code_url": "weixin://x"})
        assert gateway.create(pay_request()).client == {"code_url": "weixin://x"}


# --- payment notifies --------------------------------------------------------------------------


def test_a_valid_notify_states_the_payment_in_yuan(fake, gateway):
    body, headers = fake.notify(fake.transaction("2026010512345678", 1999))
    state = gateway.parse_notify(fake.notify_request(body, headers))
    assert state.out_trade_no == "2026010512345678"
    assert state.status == SUCCEEDED
    assert state.amount == Decimal("19.99")
    assert state.transaction_id.startswith("4200001234")
    assert state.paid_at == datetime(2026, 1, 5, 2, 34, 56, tzinfo=UTC)
    assert state.app_id == fake.appid
    assert state.raw["payer"]["openid"]


def test_a_notify_through_django_headers_as_the_test_client_sends_them(fake, gateway, rf):
    body, headers = fake.notify(fake.transaction("2026010512345678", 100))
    request = rf.post("/n/", data=body, content_type="application/json", **fake.meta(headers))
    assert gateway.parse_notify(request).amount == Decimal("1.00")


@pytest.mark.parametrize(
    ("trade_state", "status"),
    [
        ("SUCCESS", SUCCEEDED),
        ("NOTPAY", PENDING),
        ("USERPAYING", PENDING),
        ("CLOSED", CLOSED),
        ("REVOKED", CLOSED),
        ("PAYERROR", FAILED),
        ("REFUND", REFUNDED),
    ],
)
def test_trade_states_map(fake, gateway, trade_state, status):
    body, headers = fake.notify(fake.transaction("2026010512345678", 1999, trade_state))
    assert gateway.parse_notify(fake.notify_request(body, headers)).status == status


def test_the_signature_type_header_may_be_absent(fake, gateway):
    # The SDK raises without it; WeChat's only v3 algorithm is assumed, the signature still checked.
    body, headers = fake.notify(fake.transaction("2026010512345678", 1999))
    del headers["Wechatpay-Signature-Type"]
    assert gateway.parse_notify(fake.notify_request(body, headers)).status == SUCCEEDED


@pytest.mark.parametrize("age", [600, -600, 301])
def test_a_notify_more_than_300_seconds_off_is_stale(fake, gateway, age):
    body, headers = fake.notify(
        fake.transaction("2026010512345678", 1999), timestamp=int(time.time()) - age
    )
    assert rejected(gateway, body, headers) == "stale"


def test_an_unknown_serial_is_rejected_without_any_network_call(fake, gateway, no_network):
    # Signed by WeChat's key even: the serial alone must stop it before the SDK, which would go and
    # download certificates for a serial it does not know.
    body, headers = fake.notify(
        fake.transaction("2026010512345678", 1999),
        serial="5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        assert rejected(gateway, body, headers) == "unknown_serial"
        assert len(rsps.calls) == 0
    assert no_network == []


def test_the_sdk_itself_cannot_reach_the_network_for_an_unknown_serial(fake, gateway):
    # Defence in depth: even called directly, the SDK finds no certificate instead of fetching one.
    body, headers = fake.notify(fake.transaction("2026010512345678", 1999), serial="ABCDEF")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        assert gateway._client.callback(headers, body) is None
        assert len(rsps.calls) == 0


def test_a_notify_signed_with_another_key_is_a_bad_signature(fake, gateway):
    body, headers = fake.notify(fake.transaction("2026010512345678", 1999), key=rsa_key("forger"))
    assert rejected(gateway, body, headers) == "bad_signature"


def test_a_signature_test_probe_is_a_bad_signature(fake, gateway):
    # WeChat sometimes sends "WECHATPAY/SIGNTEST/..." signatures to check that merchants verify.
    body, headers = fake.notify(fake.transaction("2026010512345678", 1999))
    headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    assert rejected(gateway, body, headers) == "bad_signature"


def test_a_tampered_ciphertext_is_rejected(fake, gateway):
    body, headers = fake.notify(fake.transaction("2026010512345678", 1999))
    envelope = json.loads(body)
    raw = bytearray(base64.b64decode(envelope["resource"]["ciphertext"]))
    raw[5] ^= 0x01
    envelope["resource"]["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    tampered = json.dumps(envelope, ensure_ascii=False).encode()
    # With the original signature: the body no longer matches it.
    assert rejected(gateway, tampered, headers) == "bad_signature"
    # Even re-signed by WeChat's key, the AES tag does not verify (what a wrong apiv3 key looks like).
    assert rejected(gateway, tampered, fake.sign(tampered)) == "undecryptable"


def test_a_resource_encrypted_under_another_apiv3_key_is_undecryptable(fake, gateway):
    body = fake.notify_body(fake.transaction("2026010512345678", 1999), apiv3_key="b" * 32)
    assert rejected(gateway, body, fake.sign(body)) == "undecryptable"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("mchid", "1900000999", "wrong_merchant"),
        ("appid", "wx0000000000000000", "wrong_app"),
        ("mchid", None, "wrong_merchant"),
    ],
)
def test_another_merchants_or_apps_transaction_is_rejected(fake, gateway, field, value, reason):
    body, headers = fake.notify(fake.transaction("2026010512345678", 1999, **{field: value}))
    assert rejected(gateway, body, headers) == reason


@pytest.mark.parametrize(
    "transaction_fields",
    [
        {"amount": {"total": "1999", "currency": "CNY"}},
        {"amount": {"total": 19.99, "currency": "CNY"}},
        {"amount": {"total": -1, "currency": "CNY"}},
        {"amount": {"total": True, "currency": "CNY"}},
        {"amount": {"total": 1999, "currency": "USD"}},
        {"trade_state": "SOMETHING_NEW"},
        {"out_trade_no": ""},
        {"success_time": "yesterday"},
        {"success_time": "2026-01-05T10:34:56"},
    ],
)
def test_a_signed_transaction_with_unusable_fields_is_malformed(fake, gateway, transaction_fields):
    transaction = fake.transaction("2026010512345678", 1999)
    transaction.update(transaction_fields)
    body, headers = fake.notify(transaction)
    assert rejected(gateway, body, headers) == "malformed"


def test_a_refund_resource_sent_as_a_payment_notify_is_rejected(fake, gateway):
    body = fake.notify_body(fake.refund_resource("2026010512345678", "R1", 100, 1999), "refund")
    assert rejected(gateway, body, fake.sign(body)) == "wrong_type"


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b"[1, 2, 3]",
        b'{"resource": "x"}',
        b"\xff\xfe\x00garbage",
        b"",
        json.dumps({"resource_type": "encrypt-resource", "resource": {}}).encode(),
        json.dumps(
            {"resource_type": "plain", "resource": {"algorithm": "AEAD_AES_256_GCM"}}
        ).encode(),
    ],
)
def test_malformed_bodies_even_signed_are_rejected_never_raised(fake, gateway, body):
    assert rejected(gateway, body, fake.sign(body)) in ("malformed", "bad_signature")


def test_a_signed_resource_whose_plaintext_is_not_json_is_malformed(fake, gateway):
    body = fake.notify_body("this is not json")
    assert rejected(gateway, body, fake.sign(body)) == "malformed"


def test_a_signed_resource_with_another_algorithm_is_malformed(fake, gateway):
    envelope = json.loads(fake.notify_body(fake.transaction("2026010512345678", 1999)))
    envelope["resource"]["algorithm"] = "AEAD_AES_128_GCM"
    body = json.dumps(envelope).encode()
    assert rejected(gateway, body, fake.sign(body)) == "malformed"


def test_a_huge_body_is_rejected_before_it_is_read(fake, gateway):
    body = b'{"resource": {"x": "' + b"a" * 200_000 + b'"}}'
    assert rejected(gateway, body, fake.sign(body)) == "too_large"


@pytest.mark.parametrize(
    "header",
    ["Wechatpay-Serial", "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce"],
)
def test_a_notify_missing_a_header_is_rejected(fake, gateway, header):
    body, headers = fake.notify(fake.transaction("2026010512345678", 1999))
    del headers[header]
    assert rejected(gateway, body, headers) == "missing_headers"


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("Wechatpay-Timestamp", "soon", "stale"),
        ("Wechatpay-Timestamp", "9" * 40, "stale"),
        ("Wechatpay-Signature-Type", "WECHATPAY2-SM2-WITH-SM3", "bad_signature_type"),
        ("Wechatpay-Signature", "!!!not base64!!!", "bad_signature"),
    ],
)
def test_a_notify_with_a_bad_header_is_rejected(fake, gateway, header, value, reason):
    body, headers = fake.notify(fake.transaction("2026010512345678", 1999))
    headers[header] = value
    assert rejected(gateway, body, headers) == reason


def test_notify_replies_are_what_wechat_documents(gateway):
    ok = gateway.notify_reply(True)
    assert ok.status_code == 200
    assert json.loads(ok.content) == {"code": "SUCCESS"}
    fail = gateway.notify_reply(False)
    assert 400 <= fail.status_code < 600
    assert json.loads(fail.content)["code"] == "FAIL"
    assert json.loads(fail.content)["message"]


# --- refund notifies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refund_status", "status"),
    [("SUCCESS", SUCCEEDED), ("PROCESSING", PENDING), ("ABNORMAL", FAILED), ("CLOSED", FAILED)],
)
def test_a_refund_notify_states_the_refund(fake, gateway, refund_status, status):
    resource = fake.refund_resource(
        "2026010512345678", "2026010512345678-R1", 500, 1999, refund_status
    )
    body, headers = fake.notify(resource, original_type="refund")
    state = gateway.parse_refund_notify(fake.notify_request(body, headers))
    assert state.out_request_no == "2026010512345678-R1"
    assert state.status == status
    assert state.amount == Decimal("5.00")
    assert state.gateway_refund_id == resource["refund_id"]


def test_a_refund_notify_is_verified_like_a_payment_notify(fake, gateway):
    resource = fake.refund_resource("2026010512345678", "R1", 500, 1999)
    body, headers = fake.notify(resource, original_type="refund", timestamp=int(time.time()) - 600)
    assert rejected(gateway, body, headers, "parse_refund_notify") == "stale"
    body, headers = fake.notify(resource, original_type="refund", key=rsa_key("forger"))
    assert rejected(gateway, body, headers, "parse_refund_notify") == "bad_signature"
    other = fake.refund_resource("2026010512345678", "R1", 500, 1999, mchid="1900000999")
    body, headers = fake.notify(other, original_type="refund")
    assert rejected(gateway, body, headers, "parse_refund_notify") == "wrong_merchant"
    body, headers = fake.notify(fake.transaction("2026010512345678", 1999))
    assert rejected(gateway, body, headers, "parse_refund_notify") == "wrong_type"


# --- create ------------------------------------------------------------------------------------


def test_native_answers_the_code_url_and_sends_fen(fake, gateway):
    expires = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    with responses.RequestsMock() as rsps:
        fake.expect(
            rsps,
            "POST",
            PAY_PATH + "/native",
            payload={"code_url": "weixin://wxpay/bizpayurl?pr=abc"},
        )
        result = gateway.create(pay_request(expires_at=expires))
        assert rsps.calls[0].request.req_kwargs["timeout"] == (3, 10)
    assert result.client == {"code_url": "weixin://wxpay/bizpayurl?pr=abc"}
    method, path, sent = fake.received[0]
    assert (method, path) == ("POST", PAY_PATH + "/native")
    assert sent["amount"] == {"total": 1999, "currency": "CNY"}
    assert sent["mchid"] == fake.mchid and sent["appid"] == fake.appid
    assert sent["out_trade_no"] == "2026010512345678"
    assert sent["notify_url"] == FakeWechat.notify_url
    assert sent["time_expire"] == "2026-01-05T11:00:00+08:00"


def test_jsapi_answers_parameters_signed_with_the_merchant_key(fake, gateway):
    with responses.RequestsMock() as rsps:
        fake.expect(
            rsps,
            "POST",
            PAY_PATH + "/jsapi",
            payload={"prepay_id": "wx201410272009395522657a690389285100"},
        )
        # A Chinese subject: the merchant's signature covers the exact JSON bytes sent.
        result = gateway.create(
            pay_request(
                "jsapi",
                payer_openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                subject="订单 2026010512345678",
            )
        )
    assert fake.received[0][2]["payer"] == {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
    assert fake.received[0][2]["description"] == "订单 2026010512345678"
    params = result.client["jsapi_params"]
    assert params["prepay_id"] == "wx201410272009395522657a690389285100"
    assert params["appId"] == fake.appid
    assert params["package"] == "prepay_id=wx201410272009395522657a690389285100"
    assert params["signType"] == "RSA"
    assert abs(int(params["timeStamp"]) - time.time()) < 5
    assert len(params["nonceStr"]) >= 16
    message = (
        f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    )
    # Raises InvalidSignature if the mini-program would be refused.
    fake.merchant_key.public_key().verify(
        base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


def test_jsapi_without_openid_and_h5_without_ip_are_refused_before_any_call(gateway):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        with pytest.raises(ValueError, match="openid"):
            gateway.create(pay_request("jsapi"))
        with pytest.raises(ValueError, match="ip"):
            gateway.create(pay_request("h5"))
        assert len(rsps.calls) == 0


def test_h5_answers_the_h5_url_with_the_way_back(fake, gateway):
    with responses.RequestsMock() as rsps:
        fake.expect(
            rsps,
            "POST",
            PAY_PATH + "/h5",
            payload={
                "h5_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1"
            },
        )
        result = gateway.create(
            pay_request(
                "h5", client_ip="14.23.150.211", return_url="https://shop.test/orders/1?x=1"
            )
        )
    assert result.client == {
        "pay_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1"
        "&redirect_url=https%3A%2F%2Fshop.test%2Forders%2F1%3Fx%3D1"
    }
    assert fake.received[0][2]["scene_info"] == {
        "payer_client_ip": "14.23.150.211",
        "h5_info": {"type": "Wap"},
    }


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"amount": Decimal("19.999")}, "cents"),
        ({"amount": Decimal("0")}, "positive"),
        ({"amount": Decimal("NaN")}, "finite"),
        ({"channel": "app"}, "channel"),
        ({"out_trade_no": "../../v3/x"}, "out_trade_no"),
        ({"expires_at": datetime(2026, 1, 5, 11, 0)}, "aware"),
    ],
)
def test_create_refuses_bad_requests_before_any_call(gateway, kw, match):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        with pytest.raises(ValueError, match=match):
            gateway.create(pay_request(**kw))
        assert len(rsps.calls) == 0


def test_an_unsigned_or_forged_answer_is_a_gateway_error(fake, gateway):
    with responses.RequestsMock() as rsps:
        fake.expect(
            rsps, "POST", PAY_PATH + "/native", payload={"code_url": "weixin://x"}, signed=False
        )
        with pytest.raises(GatewayError):
            gateway.create(pay_request())
    with responses.RequestsMock() as rsps:
        fake.expect(
            rsps,
            "POST",
            PAY_PATH + "/native",
            payload={"code_url": "weixin://x"},
            key=rsa_key("forger"),
        )
        with pytest.raises(GatewayError):
            gateway.create(pay_request())
    with responses.RequestsMock() as rsps:
        # Signed under a serial we do not know: no certificate download, just refused.
        fake.expect(
            rsps, "POST", PAY_PATH + "/native", payload={"code_url": "weixin://x"}, serial="ABCDEF"
        )
        with pytest.raises(GatewayError):
            gateway.create(pay_request())
        assert len(rsps.calls) == 1


# --- query, close, errors ----------------------------------------------------------------------


def test_query_states_the_payment(fake, gateway):
    path = PAY_PATH + "/out-trade-no/2026010512345678"
    with responses.RequestsMock() as rsps:
        fake.expect(rsps, "GET", path, payload=fake.transaction("2026010512345678", 1999))
        state = gateway.query("2026010512345678")
    assert fake.received[0][:2] == ("GET", path + "?mchid=" + fake.mchid)
    assert (state.status, state.amount) == (SUCCEEDED, Decimal("19.99"))
    with responses.RequestsMock() as rsps:
        unpaid = fake.transaction("2026010512345678", 1999, "NOTPAY", transaction_id=None)
        del unpaid["payer"]
        fake.expect(rsps, "GET", path, payload=unpaid)
        state = gateway.query("2026010512345678")
    assert (state.status, state.paid_at, state.transaction_id) == (PENDING, None, "")


def test_a_query_answer_about_another_order_or_merchant_is_a_gateway_error(fake, gateway):
    path = PAY_PATH + "/out-trade-no/2026010512345678"
    for answer in (
        fake.transaction("2026010599999999", 1999),
        fake.transaction("2026010512345678", 1999, mchid="1900000999"),
    ):
        with responses.RequestsMock() as rsps:
            fake.expect(rsps, "GET", path, payload=answer)
            with pytest.raises(GatewayError):
                gateway.query("2026010512345678")


def test_close_posts_the_mchid_and_accepts_the_signed_204(fake, gateway):
    path = PAY_PATH + "/out-trade-no/2026010512345678/close"
    with responses.RequestsMock() as rsps:
        fake.expect(rsps, "POST", path, status=204)
        assert gateway.close("2026010512345678") is None
    assert fake.received == [("POST", path, {"mchid": fake.mchid})]


def test_an_error_answer_is_a_gateway_error_with_wechats_code(fake, gateway):
    path = PAY_PATH + "/out-trade-no/2026010512345678/close"
    with responses.RequestsMock() as rsps:
        fake.expect(
            rsps, "POST", path, status=400, payload={"code": "ORDERPAID", "message": "订单已支付"}
        )
        with pytest.raises(WechatApiError) as info:
            gateway.close("2026010512345678")
    assert (info.value.status, info.value.code) == (400, "ORDERPAID")


def test_a_500_answer_is_a_gateway_error(fake, gateway):
    with responses.RequestsMock() as rsps:
        fake.expect(
            rsps,
            "GET",
            PAY_PATH + "/out-trade-no/2026010512345678",
            status=500,
            payload={"code": "SYSTEM_ERROR", "message": "系统错误"},
        )
        with pytest.raises(GatewayError, match="500"):
            gateway.query("2026010512345678")


@pytest.mark.parametrize(
    "exc", [requests.ReadTimeout(), requests.ConnectTimeout(), requests.ConnectionError()]
)
def test_a_timeout_or_connection_failure_is_a_gateway_error(gateway, fake, exc):
    with responses.RequestsMock() as rsps:
        rsps.add("GET", fake.api_base + PAY_PATH + "/out-trade-no/2026010512345678", body=exc)
        with pytest.raises(GatewayError):
            gateway.query("2026010512345678")
        assert rsps.calls[0].request.req_kwargs["timeout"] == (3, 10)


def test_the_configured_timeout_is_passed_on(fake):
    gateway = fake.gateway(timeout=(1.5, 4))
    with responses.RequestsMock() as rsps:
        rsps.add(
            "GET",
            fake.api_base + PAY_PATH + "/out-trade-no/2026010512345678",
            body=requests.ReadTimeout(),
        )
        with pytest.raises(GatewayError, match="timeout"):
            gateway.query("2026010512345678")
        assert rsps.calls[0].request.req_kwargs["timeout"] == (1.5, 4)


# --- refunds -----------------------------------------------------------------------------------


def test_a_partial_then_a_full_refund_with_signed_answers(fake, gateway):
    path = "/v3/refund/domestic/refunds"
    first = RefundRequest(
        "2026010512345678", "2026010512345678-R1", Decimal("5.00"), Decimal("19.99"), reason="size"
    )
    second = RefundRequest(
        "2026010512345678", "2026010512345678-R2", Decimal("14.99"), Decimal("19.99")
    )
    with responses.RequestsMock() as rsps:
        fake.expect(
            rsps,
            "POST",
            path,
            payload=fake.refund_answer("2026010512345678", first.out_request_no, 500, 1999),
        )
        state = gateway.refund(first)
    assert (state.out_request_no, state.status, state.amount) == (
        "2026010512345678-R1",
        PENDING,
        Decimal("5.00"),
    )
    assert state.gateway_refund_id
    with responses.RequestsMock() as rsps:
        fake.expect(
            rsps,
            "POST",
            path,
            payload=fake.refund_answer(
                "2026010512345678", second.out_request_no, 1499, 1999, "SUCCESS"
            ),
        )
        state = gateway.refund(second)
    assert (state.status, state.amount) == (SUCCEEDED, Decimal("14.99"))
    sent = [body for _, _, body in fake.received]
    assert sent[0] == {
        "notify_url": FakeWechat.refund_notify_url,
        "out_refund_no": "2026010512345678-R1",
        "out_trade_no": "2026010512345678",
        "amount": {"refund": 500, "total": 1999, "currency": "CNY"},
        "reason": "size",
    }
    assert sent[1]["amount"] == {"refund": 1499, "total": 1999, "currency": "CNY"}
    assert sent[1]["out_refund_no"] == "2026010512345678-R2"


def test_a_refund_refused_by_wechat_is_a_gateway_error(fake, gateway):
    request = RefundRequest("2026010512345678", "R9", Decimal("5.00"), Decimal("19.99"))
    with responses.RequestsMock() as rsps:
        fake.expect(
            rsps,
            "POST",
            "/v3/refund/domestic/refunds",
            status=403,
            payload={"code": "NOT_ENOUGH", "message": "余额不足"},
        )
        with pytest.raises(WechatApiError) as info:
            gateway.refund(request)
    assert info.value.code == "NOT_ENOUGH"


@pytest.mark.parametrize(
    ("amount", "total"),
    [
        (Decimal("20.00"), Decimal("19.99")),
        (Decimal("0"), Decimal("19.99")),
        (Decimal("0.001"), Decimal("19.99")),
    ],
)
def test_a_refund_that_cannot_be_right_is_refused_before_any_call(gateway, amount, total):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        with pytest.raises(ValueError):
            gateway.refund(RefundRequest("2026010512345678", "R1", amount, total))
        assert len(rsps.calls) == 0


def test_config_is_frozen(fake):
    config = fake.config()
    with pytest.raises(AttributeError):
        config.mchid = "x"
    assert isinstance(WechatGateway(config), WechatGateway)
    assert WechatConfig.__dataclass_params__.frozen


def test_the_stand_in_refuses_a_request_not_signed_with_the_merchant_key(fake):
    # Proves the stand-in's Authorization check is real, so every passing call above was signed.
    gateway = fake.gateway()
    impostor = WechatGateway(fake.config(private_key=private_pem(rsa_key("forger"))))
    with responses.RequestsMock() as rsps:
        fake.expect(rsps, "POST", PAY_PATH + "/native", payload={"code_url": "weixin://x"})
        with pytest.raises(WechatApiError) as info:
            impostor.create(pay_request())
    assert (info.value.status, info.value.code) == (401, "SIGN_ERROR")
    with responses.RequestsMock() as rsps:
        fake.expect(rsps, "POST", PAY_PATH + "/native", payload={"code_url": "weixin://x"})
        assert gateway.create(pay_request()).client == {"code_url": "weixin://x"}

"""WeChat Pay v3 played in tests, with real keys, real signatures and real AES-GCM.

`FakeWechat` holds the merchant's key pair (what the shop signs requests with) and the platform's
(what WeChat signs notifies and answers with), builds notifies exactly as WeChat sends them, and
answers the API through `responses`, checking the merchant's Authorization signature on every
request it receives. Nothing here verifies anything for the shop: the adapter's own code does.

    fake = FakeWechat()
    gateway = fake.gateway()
    body, headers = fake.notify(fake.transaction("ORDER0001", 1999))
    client.post(url, data=body, content_type="application/json", **fake.meta(headers))

    with responses.RequestsMock() as rsps:
        fake.expect(rsps, "GET", "/v3/pay/transactions/out-trade-no/ORDER0001",
                    payload=fake.transaction("ORDER0001", 1999))
        gateway.query("ORDER0001")
"""

from __future__ import annotations

import base64
import functools
import json
import re
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.http import HttpRequest
from django.test import RequestFactory

from payments.gateways.wechat import WechatConfig, WechatGateway

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
AUTH_RE = re.compile(r"^WECHATPAY2-SHA256-RSA2048 (?P<params>.+)$")


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per name for the whole run: generating one costs ~0.1 s."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(
        key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()


class FakeWechat:
    mchid = "1900000109"
    appid = "wxd678efh567hg6787"
    apiv3_key = "a12d3924fd499edac8a5efc1b2c3d4e5"  # 32 ASCII characters
    public_key_id = "PUB_KEY_ID_0119000001092025000100000000"
    cert_serial_no = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    api_base = "https://wechatpay.test"
    notify_url = "https://shop.test/api/v1/payments/notify/wechat/"
    refund_notify_url = "https://shop.test/api/v1/payments/notify/wechat/refund/"

    def __init__(self) -> None:
        self.platform_key = rsa_key("wechat-platform")
        self.merchant_key = rsa_key("wechat-merchant")
        # Every API request the stand-in received: (method, path with query, JSON body or None).
        self.received: list[tuple[str, str, Any]] = []

    # --- the shop's side of the configuration --------------------------------------------------

    def config(self, **overrides: Any) -> WechatConfig:
        values: dict[str, Any] = {
            "mchid": self.mchid,
            "appid": self.appid,
            "private_key": private_pem(self.merchant_key),
            "cert_serial_no": self.cert_serial_no,
            "apiv3_key": self.apiv3_key,
            "public_key": public_pem(self.platform_key),
            "public_key_id": self.public_key_id,
            "api_base": self.api_base,
            "notify_url": self.notify_url,
            "refund_notify_url": self.refund_notify_url,
        }
        values.update(overrides)
        return WechatConfig(**values)

    def gateway(self, **overrides: Any) -> WechatGateway:
        return WechatGateway(self.config(**overrides))

    # --- what WeChat encrypts in a notify --------------------------------------------------------

    def transaction(
        self, out_trade_no: str, total_fen: int, trade_state: str = "SUCCESS", **fields: Any
    ) -> dict[str, Any]:
        """A transaction as WeChat decrypts it for a payment notify, and answers a query with."""
        data: dict[str, Any] = {
            "mchid": self.mchid,
            "appid": self.appid,
            "out_trade_no": out_trade_no,
            "transaction_id": "4200001234" + secrets.token_hex(9)[:18],
            "trade_type": "JSAPI",
            "trade_state": trade_state,
            "trade_state_desc": "支付成功" if trade_state == "SUCCESS" else trade_state,
            "bank_type": "OTHERS",
            "attach": "",
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {
                "total": total_fen,
                "payer_total": total_fen,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        }
        if trade_state in ("SUCCESS", "REFUND"):
            data["success_time"] = "2026-01-05T10:34:56+08:00"
        data.update(fields)
        return data

    def refund_resource(
        self,
        out_trade_no: str,
        out_refund_no: str,
        refund_fen: int,
        total_fen: int,
        refund_status: str = "SUCCESS",
        **fields: Any,
    ) -> dict[str, Any]:
        """A refund as WeChat decrypts it for a refund notify."""
        data: dict[str, Any] = {
            "mchid": self.mchid,
            "out_trade_no": out_trade_no,
            "transaction_id": "4200001234" + secrets.token_hex(9)[:18],
            "out_refund_no": out_refund_no,
            "refund_id": "50000" + secrets.token_hex(12)[:24],
            "refund_status": refund_status,
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": total_fen,
                "refund": refund_fen,
                "payer_total": total_fen,
                "payer_refund": refund_fen,
            },
        }
        if refund_status == "SUCCESS":
            data["success_time"] = "2026-01-06T10:34:56+08:00"
        data.update(fields)
        return data

    def refund_answer(
        self,
        out_trade_no: str,
        out_refund_no: str,
        refund_fen: int,
        total_fen: int,
        status: str = "PROCESSING",
    ) -> dict[str, Any]:
        """The refund API's answer (`status`, no mchid), as WeChat sends it."""
        return {
            "refund_id": "50000" + secrets.token_hex(12)[:24],
            "out_refund_no": out_refund_no,
            "transaction_id": "4200001234" + secrets.token_hex(9)[:18],
            "out_trade_no": out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": "2026-01-06T10:34:50+08:00",
            "status": status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": total_fen,
                "refund": refund_fen,
                "payer_total": total_fen,
                "payer_refund": refund_fen,
                "settlement_refund": refund_fen,
                "settlement_total": total_fen,
                "discount_refund": 0,
                "currency": "CNY",
                "refund_fee": 0,
            },
        }

    # --- notifies --------------------------------------------------------------------------------

    def encrypt(
        self,
        payload: dict[str, Any] | str | bytes,
        associated_data: str = "transaction",
        original_type: str = "transaction",
        apiv3_key: str | None = None,
    ) -> dict[str, Any]:
        """The `resource` of a notify: AES-256-GCM under the apiv3 key, a 12-character nonce."""
        if isinstance(payload, dict):
            payload = json.dumps(payload, ensure_ascii=False)
        if isinstance(payload, str):
            payload = payload.encode()
        nonce = secrets.token_hex(6)  # 12 ASCII characters, used as bytes, as WeChat does
        key = (apiv3_key or self.apiv3_key).encode()
        ciphertext = AESGCM(key).encrypt(nonce.encode(), payload, associated_data.encode())
        return {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": associated_data,
            "nonce": nonce,
        }

    def notify_body(
        self,
        payload: dict[str, Any] | str | bytes,
        original_type: str = "transaction",
        event_type: str | None = None,
        apiv3_key: str | None = None,
    ) -> bytes:
        """The JSON body WeChat POSTs: the envelope around the encrypted resource."""
        if event_type is None:
            event_type = (
                "TRANSACTION.SUCCESS" if original_type == "transaction" else "REFUND.SUCCESS"
            )
        envelope = {
            "id": str(uuid.uuid4()),
            "create_time": "2026-01-05T10:35:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功" if original_type == "transaction" else "退款成功",
            "resource": self.encrypt(payload, original_type, original_type, apiv3_key),
        }
        return json.dumps(envelope, ensure_ascii=False).encode()

    def sign(
        self,
        body: bytes | str,
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
        serial: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> dict[str, str]:
        """The five Wechatpay-* headers WeChat sends with a notify or an answer: RSA-SHA256 with
        the platform key over "{timestamp}\\n{nonce}\\n{body}\\n"."""
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(16).upper()
        return {
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": rsa_sign(key or self.platform_key, f"{ts}\n{nonce}\n{body}\n"),
            "Wechatpay-Serial": serial or self.public_key_id,
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        }

    def notify(
        self,
        payload: dict[str, Any],
        *,
        original_type: str = "transaction",
        timestamp: int | None = None,
        serial: str | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A signed notify: (raw body, headers)."""
        body = self.notify_body(payload, original_type)
        return body, self.sign(body, timestamp=timestamp, serial=serial, key=key)

    @staticmethod
    def meta(headers: dict[str, str]) -> dict[str, str]:
        """Headers as Django's test client and RequestFactory take them (HTTP_WECHATPAY_...)."""
        return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}

    def notify_request(
        self, body: bytes, headers: dict[str, str], path: str = "/payments/notify/wechat/"
    ) -> HttpRequest:
        return RequestFactory().post(
            path, data=body, content_type="application/json", headers=headers
        )

    # --- the API, through `responses` ------------------------------------------------------------

    def verify_authorization(self, request: Any) -> bool:
        """Check a request's Authorization header as WeChat does: the merchant's RSA-SHA256 over
        "{method}\\n{path?query}\\n{timestamp}\\n{nonce}\\n{body}\\n", and our mchid and serial."""
        match = AUTH_RE.match(request.headers.get("Authorization", ""))
        if not match:
            return False
        params = dict(re.findall(r'(\w+)="([^"]*)"', match.group("params")))
        if params.get("mchid") != self.mchid or params.get("serial_no") != self.cert_serial_no:
            return False
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        body = request.body or b""
        if isinstance(body, bytes):
            body = body.decode()
        message = (
            f"{request.method}\n{path}\n{params['timestamp']}\n{params['nonce_str']}\n{body}\n"
        )
        try:
            self.merchant_key.public_key().verify(
                base64.b64decode(params["signature"]),
                message.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:
            return False
        return True

    def answer(
        self,
        status: int = 200,
        payload: dict[str, Any] | None = None,
        *,
        signed: bool = True,
        key: rsa.RSAPrivateKey | None = None,
        serial: str | None = None,
    ) -> Callable[[Any], tuple[int, dict[str, str], str]]:
        """A `responses` callback answering as WeChat: it refuses (401 SIGN_ERROR) a request whose
        Authorization does not verify, records what it received, and signs its answer."""

        def callback(request: Any) -> tuple[int, dict[str, str], str]:
            url = urlsplit(request.url)
            body = request.body
            if isinstance(body, bytes):
                body = body.decode()
            self.received.append(
                (
                    request.method,
                    url.path + (f"?{url.query}" if url.query else ""),
                    json.loads(body) if body else None,
                )
            )
            if not self.verify_authorization(request):
                error = json.dumps({"code": "SIGN_ERROR", "message": "签名错误"})
                return 401, {"Content-Type": "application/json"}, error
            text = "" if payload is None else json.dumps(payload, ensure_ascii=False)
            headers = {"Request-ID": str(uuid.uuid4())}
            if text:
                headers["Content-Type"] = "application/json; charset=utf-8"
            if signed:
                headers.update(self.sign(text, key=key, serial=serial))
            return status, headers, text

        return callback

    def expect(
        self, rsps: Any, method: str, path: str, status: int = 200, payload: Any = None, **kw: Any
    ) -> None:
        """Register one API answer on a `responses.RequestsMock` (the query string is not matched:
        the callback records it)."""
        rsps.add_callback(method, self.api_base + path, callback=self.answer(status, payload, **kw))

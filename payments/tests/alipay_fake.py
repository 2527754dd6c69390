"""Alipay, played in tests with real RSA keys and real signatures (docs/payments.md, "Alipay").

Nothing here uses the SDK: the fake signs and verifies with `cryptography` the way Alipay does, so a
test checks the shop's SDK-based code against an independent implementation of the protocol.

- `AlipayKeys.generate()`: the app's key pair (the shop signs with it) and Alipay's (Alipay signs).
- `signed_notify(params, key)`: an async notify signed as Alipay signs it; `notify_request(...)`
  the form POST carrying it.
- `FakeAlipay`: `gateway.do` on 127.0.0.1 in a thread. It checks each request's signature with the app
  public key, keeps trades and refunds, and answers signed JSON, `{"<method>_response": {...},
  "sign": "..."}`, the signature over the exact inner JSON text.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.http import HttpRequest
from django.test import RequestFactory

APP_ID = "2021000000000001"
SELLER_ID = "2088000000000001"


def _pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def _pem_public(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@dataclass(frozen=True)
class AlipayKeys:
    app: rsa.RSAPrivateKey  # the shop's; its public half is registered with Alipay
    alipay: rsa.RSAPrivateKey  # Alipay's; the shop holds only the public half

    @classmethod
    def generate(cls) -> AlipayKeys:
        return cls(
            app=rsa.generate_private_key(public_exponent=65537, key_size=2048),
            alipay=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        )

    @property
    def app_private_pem(self) -> str:
        return _pem_private(self.app)

    @property
    def alipay_public_pem(self) -> str:
        return _pem_public(self.alipay.public_key())


def rsa2_sign(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(key: rsa.RSAPublicKey, text: str, sign: str) -> bool:
    try:
        key.verify(base64.b64decode(sign), text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def signing_string(params: dict[str, str], drop: tuple[str, ...]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in drop)


def signed_notify(params: dict[str, str], key: rsa.RSAPrivateKey) -> dict[str, str]:
    """As Alipay signs a notify: without sign and sign_type, sorted, k=v joined with &."""
    signed = {k: v for k, v in params.items() if k not in ("sign", "sign_type")}
    signed["sign"] = rsa2_sign(key, signing_string(signed, drop=("sign",)))
    signed["sign_type"] = "RSA2"
    return signed


def paid_notify(
    out_trade_no: str = "ORD20260101A", total_amount: str = "88.80", **extra: str
) -> dict[str, str]:
    """The fields of a real TRADE_SUCCESS notify (unsigned)."""
    params = {
        "notify_time": "2026-01-01 12:00:05",
        "notify_type": "trade_status_sync",
        "notify_id": "ac05099524730693a8b330c5ecf72da9786",
        "charset": "utf-8",
        "version": "1.0",
        "app_id": APP_ID,
        "auth_app_id": APP_ID,
        "trade_no": "2026010122001400000000000001",
        "out_trade_no": out_trade_no,
        "buyer_id": "2088102146225135",
        "seller_id": SELLER_ID,
        "trade_status": "TRADE_SUCCESS",
        "total_amount": total_amount,
        "receipt_amount": total_amount,
        "buyer_pay_amount": total_amount,
        "subject": "订单 ORD20260101A",
        "gmt_create": "2026-01-01 11:59:50",
        "gmt_payment": "2026-01-01 12:00:04",
        "fund_bill_list": json.dumps(
            [{"amount": total_amount, "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")
        ),
    }
    params.update(extra)
    return params


def notify_request(
    body: bytes | str | dict[str, str], content_type: str | None = None
) -> HttpRequest:
    """The form POST Alipay sends to our notify URL."""
    if isinstance(body, dict):
        body = urlencode(body)
    return RequestFactory().post(
        "/api/v1/payments/alipay/notify/",
        data=body,
        content_type=content_type or "application/x-www-form-urlencoded; charset=utf-8",
    )


@dataclass
class FakeTrade:
    total_amount: Decimal
    status: str = "WAIT_BUYER_PAY"
    trade_no: str = ""
    refunded: Decimal = Decimal("0.00")
    refunds: dict[str, Decimal] = field(default_factory=dict)  # out_request_no -> amount


class FakeAlipay:
    """Alipay's gateway.do on 127.0.0.1. Tests set `trades`, and for one-off behaviour:
    `delay` (seconds to hang, then no answer), `tamper` (rewrites the answer's text after signing it),
    `unsigned` (drop the signature), `refund_failure` (a business failure answer for refunds)."""

    def __init__(self, keys: AlipayKeys, app_id: str = APP_ID):
        self.keys = keys
        self.app_id = app_id
        self.reset()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll so stop() (every test's teardown) does not wait the default half second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def reset(self) -> None:
        """Forget every trade and request, answer normally again (one server serves many tests)."""
        self.trades: dict[str, FakeTrade] = {}
        self.requests: list[dict[str, Any]] = []  # every request: its params, biz_content parsed
        self.delay = 0.0
        self.tamper: Callable[[str], str] | None = None
        self.unsigned = False
        self.refund_failure: dict[str, str] | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/gateway.do"

    def start(self) -> FakeAlipay:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()  # releases handlers sleeping in `delay`
        self._server.shutdown()
        self._server.server_close()

    def pay(
        self, out_trade_no: str, amount: str, trade_no: str = "2026010122001400000000000001"
    ) -> None:
        """The buyer pays (as if through the pay page)."""
        self.trades[out_trade_no] = FakeTrade(Decimal(amount), "TRADE_SUCCESS", trade_no)

    # --- the protocol ---------------------------------------------------------------------------

    def answer(self, params: dict[str, str]) -> str:
        method = params.get("method", "")
        response_type = method.replace(".", "_") + "_response"
        request_sign = params.get("sign", "")
        if params.get("app_id") != self.app_id or not rsa2_verify(
            self.keys.app.public_key(), signing_string(params, drop=("sign",)), request_sign
        ):
            inner = {
                "code": "40002",
                "msg": "Invalid Arguments",
                "sub_code": "isv.invalid-signature",
            }
        else:
            biz = json.loads(params.get("biz_content", "{}"))
            self.requests.append({**params, "biz_content": biz})
            inner = getattr(self, "_" + method.replace(".", "_"), self._unknown)(biz)
        text = json.dumps(inner, ensure_ascii=False, separators=(",", ":"))
        sign = rsa2_sign(self.keys.alipay, text)
        if self.tamper is not None:
            text = self.tamper(text)
        if self.unsigned:
            return json.dumps({response_type: inner})
        # Built by hand: the signature covers these exact bytes of the inner object.
        return f'{{"{response_type}":{text},"sign":"{sign}"}}'

    def _unknown(self, biz: dict[str, Any]) -> dict[str, Any]:
        return {"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method"}

    def _not_exist(self) -> dict[str, Any]:
        return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST",
                "sub_msg": "交易不存在"}  # fmt: skip

    def _alipay_trade_precreate(self, biz: dict[str, Any]) -> dict[str, Any]:
        out_trade_no = biz["out_trade_no"]
        self.trades[out_trade_no] = FakeTrade(Decimal(biz["total_amount"]))
        return {"code": "10000", "msg": "Success", "out_trade_no": out_trade_no,
                "qr_code": f"https://qr.alipay.com/bax0{len(self.trades):05d}"}  # fmt: skip

    def _alipay_trade_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        out_trade_no = biz.get("out_trade_no", "")
        trade = self.trades.get(out_trade_no)
        if trade is None:
            return self._not_exist()
        inner = {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": out_trade_no,
            "trade_status": trade.status,
            "total_amount": str(trade.total_amount),
            "buyer_logon_id": "csq***@sandbox.com",
        }
        if trade.trade_no:
            inner.update(
                trade_no=trade.trade_no,
                send_pay_date="2026-01-01 12:00:04",
                receipt_amount=str(trade.total_amount),
                buyer_pay_amount=str(trade.total_amount),
            )
        return inner

    def _alipay_trade_close(self, biz: dict[str, Any]) -> dict[str, Any]:
        out_trade_no = biz.get("out_trade_no", "")
        trade = self.trades.get(out_trade_no)
        if trade is None:
            return self._not_exist()
        if trade.status != "WAIT_BUYER_PAY":
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR"}
        trade.status = "TRADE_CLOSED"
        return {"code": "10000", "msg": "Success", "out_trade_no": out_trade_no}

    def _alipay_trade_refund(self, biz: dict[str, Any]) -> dict[str, Any]:
        if self.refund_failure is not None:
            return {"code": "40004", "msg": "Business Failed", **self.refund_failure}
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return self._not_exist()
        if trade.status not in ("TRADE_SUCCESS", "TRADE_CLOSED") or not trade.trade_no:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR"}
        amount = Decimal(biz["refund_amount"])
        request_no = biz.get("out_request_no") or biz["out_trade_no"]
        base = {"code": "10000", "msg": "Success", "trade_no": trade.trade_no,
                "out_trade_no": biz["out_trade_no"], "buyer_logon_id": "csq***@sandbox.com"}  # fmt: skip
        if request_no in trade.refunds:
            # The same out_request_no again: Alipay answers success, and no money moves this time.
            return {**base, "fund_change": "N", "refund_fee": str(trade.refunded)}
        if trade.refunded + amount > trade.total_amount:
            return {"code": "40004", "msg": "Business Failed",
                    "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "sub_msg": "退款金额超限"}  # fmt: skip
        trade.refunds[request_no] = amount
        trade.refunded += amount
        if trade.refunded == trade.total_amount:
            trade.status = "TRADE_CLOSED"
        return {**base, "fund_change": "Y", "refund_fee": str(trade.refunded),
                "send_back_fee": str(amount)}  # fmt: skip

    def _alipay_trade_fastpay_refund_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return self._not_exist()
        amount = trade.refunds.get(biz["out_request_no"])
        base = {"code": "10000", "msg": "Success", "out_trade_no": biz["out_trade_no"],
                "trade_no": trade.trade_no}  # fmt: skip
        if amount is None:
            return base  # Alipay's answer for a refund it does not know
        return {**base, "out_request_no": biz["out_request_no"], "refund_status": "REFUND_SUCCESS",
                "refund_amount": str(amount), "total_amount": str(trade.total_amount)}  # fmt: skip

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the SDK sends every call as a GET with a signed query
                params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
                if fake.delay:
                    # Hangs, then hangs up without an answer (and without touching a later test's state).
                    fake._stop.wait(fake.delay)
                    return
                body = fake.answer(params).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

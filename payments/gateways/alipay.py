"""Alipay as a payment gateway, on python-alipay-sdk 3.4 (docs/payments.md has the checked facts).

Page and wap payments are a signed URL we hand the payer (no network); the QR code comes from
`alipay.trade.precreate`; query, close and refund are server calls whose answers Alipay signs with its
key over the exact inner JSON text. The SDK verifies those and our notify signatures; this module adds
what the SDK leaves to its caller: the app id / seller id checks, Beijing time, strict parsing of what
was signed, the business codes, and one exception type per failure so the service never sees a
`urllib` or SDK error.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig as SdkConfig
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from payments.gateways.base import (
    CLOSED,
    FAILED,
    PENDING,
    REFUNDED,
    SUCCEEDED,
    CreateResult,
    GatewayError,
    NotifyRejected,
    PaymentRequest,
    RefundRequest,
    RefundState,
    TradeState,
)

logger = logging.getLogger(__name__)

# Alipay reads and writes every time (request `timestamp`, `gmt_payment`, `send_pay_date`) as
# Beijing wall-clock time without an offset.
BEIJING = ZoneInfo("Asia/Shanghai")
ALIPAY_TIME = "%Y-%m-%d %H:%M:%S"

OK = "10000"
TRADE_NOT_EXIST = "ACQ.TRADE_NOT_EXIST"
# Refund answers that say nothing final: Alipay may still do it, so the same out_request_no is retried
# (Alipay de-duplicates on it) or queried, never replaced by a new one.
REFUND_RETRYABLE = {"ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "isp.unknow-error"}
UNAVAILABLE = "20000"  # "Service Currently Unavailable": nothing was decided

TRADE_STATUS = {
    "TRADE_SUCCESS": SUCCEEDED,
    "TRADE_FINISHED": SUCCEEDED,  # paid, and the refund window is over
    "WAIT_BUYER_PAY": PENDING,
    "TRADE_CLOSED": CLOSED,
}

# timeout_express accepts 1m to 15d.
MAX_TIMEOUT_MINUTES = 15 * 24 * 60


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    app_private_key: (
        str  # ours, PEM text (a bare base64 key from Alipay's key tool is accepted too)
    )
    alipay_public_key: str  # Alipay's, not ours: it verifies notifies and answers
    notify_url: str = ""
    gateway_url: str = "https://openapi.alipay.com/gateway.do"
    seller_id: str = ""  # when set, notifies for another seller are rejected
    timeout: float = 10  # seconds, every server call

    def __repr__(self) -> str:
        # Never print the private key into a log or a traceback.
        return f"AlipayConfig(app_id={self.app_id!r}, gateway_url={self.gateway_url!r})"


def _key(text: str) -> str | bytes:
    """PEM text as is; a bare base64 key (what Alipay's console and key tool show) as DER, which the
    SDK's RSA.importKey reads too. Anything else is left for importKey to reject."""
    if "-----BEGIN" in text:
        return text
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return text


class _Sdk(AliPay):
    """The SDK with our gateway URL, timeout and clock."""

    def __init__(self, config: AlipayConfig):
        super().__init__(
            appid=config.app_id,
            app_notify_url=config.notify_url or None,
            app_private_key_string=_key(config.app_private_key),
            alipay_public_key_string=_key(config.alipay_public_key),
            sign_type="RSA2",
            config=SdkConfig(timeout=config.timeout),  # passed to every urlopen()
        )
        # The SDK chooses between production and Alipay's sandbox by `debug` only; ours is configured
        # (sandbox, a local stand-in). verified_sync_response() and the pay URLs read this attribute.
        self._gateway = config.gateway_url

    def build_body(self, method: str, biz_content: Any = None, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().build_body(method, biz_content, **kwargs)
        # The SDK stamps the server's local clock; Alipay reads it as Beijing time, so a UTC server
        # would send requests eight hours old.
        data["timestamp"] = timezone.now().astimezone(BEIJING).strftime(ALIPAY_TIME)
        return data


class _Malformed(ValueError):
    """A signed statement we cannot read (bad amount, date, unknown status)."""


def _money(amount: Decimal) -> str:
    # The SDK's JSON encoder rejects Decimal, and floats drift.
    return str(amount.quantize(Decimal("0.01")))


def _decimal(value: Any) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise _Malformed(f"amount {value!r}") from exc
    if not result.is_finite() or result < 0:
        raise _Malformed(f"amount {value!r}")
    return result


def _beijing(value: Any) -> datetime:
    try:
        return datetime.strptime(str(value), ALIPAY_TIME).replace(tzinfo=BEIJING)
    except ValueError as exc:
        raise _Malformed(f"time {value!r}") from exc


def _timeout_express(expires_at: datetime) -> str:
    """Whole minutes left until the order's deadline, rounded down so Alipay stops taking the payment
    before the order expires (a late payment has to be refunded)."""
    if timezone.is_naive(expires_at):
        raise ValueError("expires_at must be an aware datetime")
    minutes = int((expires_at - timezone.now()).total_seconds() // 60)
    return f"{min(max(minutes, 1), MAX_TIMEOUT_MINUTES)}m"


def _trade_state(data: dict[str, Any], paid_at_field: str) -> TradeState:
    """What a verified notify (paid_at_field `gmt_payment`) or query answer (`send_pay_date`) says."""
    out_trade_no = data.get("out_trade_no")
    if not isinstance(out_trade_no, str) or not out_trade_no:
        raise _Malformed("no out_trade_no")
    status = TRADE_STATUS.get(str(data.get("trade_status")))
    if status is None:
        raise _Malformed(f"trade_status {data.get('trade_status')!r}")
    paid_at = _beijing(data[paid_at_field]) if data.get(paid_at_field) else None
    # TRADE_CLOSED is also what a paid trade becomes once fully refunded: that one was paid, and
    # treating it as an unpaid close would lose the payment.
    if status == CLOSED and (
        paid_at is not None or data.get("gmt_refund") or data.get("refund_fee")
    ):
        status = REFUNDED
    amount = _decimal(data["total_amount"]) if data.get("total_amount") not in (None, "") else None
    transaction_id = str(data.get("trade_no") or "")
    if status in (SUCCEEDED, REFUNDED) and (amount is None or not transaction_id):
        raise _Malformed("a paid trade without total_amount or trade_no")
    return TradeState(
        out_trade_no=out_trade_no,
        status=status,
        amount=amount,
        transaction_id=transaction_id,
        paid_at=paid_at,
        app_id=str(data.get("app_id") or ""),
        raw=dict(data),
    )


def _failure(what: str, answer: dict[str, Any]) -> str:
    return (
        f"alipay {what}: {answer.get('code')} {answer.get('sub_code', '')} "
        f"{answer.get('sub_msg') or answer.get('msg') or ''}".strip()
    )


class AlipayGateway:
    name: str = "alipay"
    channels: tuple[str, ...] = ("page", "wap", "qr")

    def __init__(self, config: AlipayConfig):
        self.config = config
        # Loads both keys now (a bad key fails at startup, not at the first payment); no network.
        self._sdk = _Sdk(config)

    # --- payments -------------------------------------------------------------------------------

    def create(self, request: PaymentRequest) -> CreateResult:
        if request.channel not in self.channels:
            raise ValueError(f"unknown alipay channel {request.channel!r}")
        extra: dict[str, str] = {}
        if request.expires_at is not None:
            extra["timeout_express"] = _timeout_express(request.expires_at)
        notify_url = request.notify_url or self.config.notify_url or None
        amount = _money(request.amount)
        if request.channel == "qr":
            answer = self._call(
                "precreate",
                lambda: self._sdk.api_alipay_trade_precreate(
                    request.subject, request.out_trade_no, amount, notify_url=notify_url, **extra
                ),
            )
            if answer.get("code") != OK or not answer.get("qr_code"):
                raise GatewayError(_failure("precreate", answer))
            # `code_url`: the API's one name for "render this as a QR code" (WeChat native too).
            return CreateResult(client={"code_url": answer["qr_code"]}, raw=answer)
        build = (
            self._sdk.api_alipay_trade_page_pay
            if request.channel == "page"
            else self._sdk.api_alipay_trade_wap_pay
        )
        signed = build(
            request.subject,
            request.out_trade_no,
            amount,
            return_url=request.return_url or None,
            notify_url=notify_url,
            **extra,
        )
        pay_url = f"{self.config.gateway_url}?{signed}"
        return CreateResult(client={"pay_url": pay_url}, raw={"pay_url": pay_url})

    def parse_notify(self, request: HttpRequest) -> TradeState:
        try:
            # Reading the form can raise (RequestDataTooBig, TooManyFieldsSent, a broken multipart
            # body...): whatever a sender posts is a rejection, never a 500.
            fields = list(request.POST.lists())
        except Exception as exc:
            raise NotifyRejected("malformed", type(exc).__name__) from None
        if not fields:
            raise NotifyRejected("malformed", "empty body")
        # Alipay never repeats a key; a repeated one could make what we verify differ from what we read.
        if any(len(values) != 1 for _, values in fields):
            raise NotifyRejected("malformed", "duplicate key")
        data: dict[str, Any] = {key: values[0] for key, values in fields}
        sign = data.pop("sign", "")
        if not sign:
            raise NotifyRejected("bad_signature", "unsigned")
        try:
            # verify() pops sign_type from what it is given: hand it a copy. It raises on malformed
            # base64 and on a sign_type other than RSA2.
            verified = bool(self._sdk.verify(dict(data), sign))
        except Exception as exc:
            raise NotifyRejected("bad_signature", type(exc).__name__) from None
        if not verified:
            raise NotifyRejected("bad_signature")
        if data.get("app_id") != self.config.app_id:
            raise NotifyRejected("app_id_mismatch", str(data.get("app_id", ""))[:64])
        if self.config.seller_id and data.get("seller_id") != self.config.seller_id:
            raise NotifyRejected("seller_id_mismatch", str(data.get("seller_id", ""))[:64])
        try:
            return _trade_state(data, "gmt_payment")
        except _Malformed as exc:
            raise NotifyRejected("malformed", str(exc)[:200]) from None

    def notify_reply(self, accepted: bool) -> HttpResponse:
        # Anything but the plain word `success` makes Alipay retry for about a day.
        return HttpResponse(b"success" if accepted else b"fail", content_type="text/plain")

    def query(self, out_trade_no: str) -> TradeState:
        answer = self._call(
            "query", lambda: self._sdk.api_alipay_trade_query(out_trade_no=out_trade_no)
        )
        if answer.get("code") != OK:
            if answer.get("sub_code") == TRADE_NOT_EXIST:
                # A page/wap trade exists at Alipay only once the payer has opened the pay page:
                # nothing paid yet. raw keeps the sub_code for whoever needs "never started".
                return TradeState(
                    out_trade_no=out_trade_no, status=PENDING, amount=None, raw=answer
                )
            raise GatewayError(_failure("query", answer))
        if answer.get("out_trade_no", out_trade_no) != out_trade_no:
            raise GatewayError(f"alipay query answered for {answer.get('out_trade_no')!r}")
        try:
            return _trade_state(answer, "send_pay_date")
        except _Malformed as exc:
            raise GatewayError(f"alipay query: {exc}") from None

    def close(self, out_trade_no: str) -> None:
        answer = self._call(
            "close", lambda: self._sdk.api_alipay_trade_close(out_trade_no=out_trade_no)
        )
        if answer.get("code") == OK:
            return
        if answer.get("sub_code") == TRADE_NOT_EXIST:
            # Never opened by the payer, so there is nothing to close at Alipay; the pay URL stays
            # usable until its timeout_express (create() passes the order's deadline).
            logger.info("alipay close: %s was never started at Alipay", out_trade_no)
            return
        # ACQ.TRADE_STATUS_ERROR: already closed or already paid. Only a query tells which.
        raise GatewayError(_failure("close", answer))

    # --- refunds --------------------------------------------------------------------------------

    def refund(self, request: RefundRequest) -> RefundState:
        extra: dict[str, str] = {}
        if request.reason:
            extra["refund_reason"] = request.reason[:256]
        answer = self._call(
            "refund",
            lambda: self._sdk.api_alipay_trade_refund(
                _money(request.amount),
                out_trade_no=request.out_trade_no,
                out_request_no=request.out_request_no,
                **extra,
            ),
        )
        return self._refund_state(request.out_request_no, answer)

    def query_refund(self, out_trade_no: str, out_request_no: str) -> RefundState:
        """Settle a refund left PENDING (not in base.Gateway yet). A refund Alipay does not know is
        PENDING too: retry refund() with the same out_request_no, never a new one (a refund still in
        flight plus a new request would pay twice)."""
        answer = self._call(
            "refund query",
            lambda: self._sdk.api_alipay_trade_fastpay_refund_query(
                out_request_no, out_trade_no=out_trade_no
            ),
        )
        if answer.get("code") != OK:
            return RefundState(
                out_request_no=out_request_no, status=PENDING, amount=None, raw=answer
            )
        if answer.get("refund_status") == "REFUND_SUCCESS":
            try:
                amount = _decimal(answer["refund_amount"]) if answer.get("refund_amount") else None
            except _Malformed as exc:
                raise GatewayError(f"alipay refund query: {exc}") from None
            return RefundState(
                out_request_no=out_request_no, status=SUCCEEDED, amount=amount, raw=answer
            )
        return RefundState(out_request_no=out_request_no, status=PENDING, amount=None, raw=answer)

    def parse_refund_notify(self, request: HttpRequest) -> RefundState:
        # Alipay reports refunds in the refund call's answer (and as a trade notify with refund_fee).
        raise NotifyRejected("unsupported", "alipay has no refund notify")

    def _refund_state(self, out_request_no: str, answer: dict[str, Any]) -> RefundState:
        code, sub_code = answer.get("code"), answer.get("sub_code")
        if code == OK:
            # fund_change "N" with code 10000 is also the answer to a repeated out_request_no whose
            # money already moved: not a failure, not yet proof. A refund query settles it.
            status = SUCCEEDED if answer.get("fund_change") == "Y" else PENDING
        elif code == UNAVAILABLE or sub_code in REFUND_RETRYABLE:
            status = PENDING
        else:
            status = FAILED
            logger.warning("%s", _failure(f"refund {out_request_no}", answer))
        amount = None
        if status == SUCCEEDED and answer.get("send_back_fee"):
            # refund_fee is the trade's refunded total so far; send_back_fee is this refund's.
            try:
                amount = _decimal(answer["send_back_fee"])
            except _Malformed as exc:
                raise GatewayError(f"alipay refund: {exc}") from None
        return RefundState(out_request_no=out_request_no, status=status, amount=amount, raw=answer)

    # --- the one way out ------------------------------------------------------------------------

    def _call(self, what: str, call: Callable[[], Any]) -> dict[str, Any]:
        """Run one SDK server call (it signs the request, calls urlopen with the config timeout and
        verifies the signed answer) and turn every way it can fail into GatewayError."""
        try:
            answer = call()
        except AliPayValidationError:
            raise GatewayError(f"alipay {what}: the answer's signature does not verify") from None
        except AliPayException as exc:
            # An unsigned answer or an error_response (bad app id, bad request signature...).
            raise GatewayError(f"alipay {what}: unsigned error answer {exc}"[:500]) from None
        except OSError as exc:  # URLError, HTTPError, timeouts, refused or reset connections
            raise GatewayError(f"alipay {what}: {type(exc).__name__}: {exc}"[:500]) from None
        except Exception as exc:
            # Not JSON, a malformed signature, a truncated body (http.client.IncompleteRead)...
            raise GatewayError(f"alipay {what}: unusable answer ({type(exc).__name__})") from None
        if not isinstance(answer, dict):
            raise GatewayError(f"alipay {what}: unusable answer")
        return answer

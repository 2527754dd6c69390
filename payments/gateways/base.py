"""The one interface every payment gateway implements (alipay, wechat, sandbox).

A gateway is an adapter and nothing more: it speaks one provider's protocol (sign, call, verify,
decrypt) and knows nothing of our models, locks or order rules. payments.services maps a Payment or
Refund row to the plain requests below, calls the gateway outside any transaction that holds row
locks, and decides what the verified answer means for the order. So each adapter is tested alone,
with real keys and real signatures, and the confirmation path is one and the same for all three.

Every outbound call has a timeout. A verified notify says only what the provider signed; that the
`out_trade_no` is ours and the amount is what we asked is checked by the service against the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.http import HttpRequest, HttpResponse


class GatewayError(Exception):
    """The provider could not be reached or answered something we cannot use (timeout, 5xx, an
    unsigned or badly signed answer). Nothing is known about the payment: retry or reconcile."""


class NotifyRejected(Exception):
    """A notify that failed verification (signature, serial, timestamp, app id / mchid, decryption,
    malformed body). `reason` is a short machine code for the PaymentNotification row and the log;
    the caller answers the gateway's failure reply and changes nothing."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# --- What the service asks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentRequest:
    out_trade_no: str  # ours, 6-32 chars of A-Z a-z 0-9 _ - | *
    amount: Decimal  # CNY, quantized to 0.01; WeChat converts to fen at its boundary
    subject: str  # shown to the payer ("Order 2026112612345678")
    channel: str  # gateway-specific: alipay page/wap/qr, wechat native/jsapi/h5, sandbox page
    notify_url: str
    return_url: str = ""
    payer_openid: str = ""  # WeChat JSAPI: the payer's openid (WeChat login)
    client_ip: str = ""  # WeChat H5 needs the payer's IP
    expires_at: datetime | None = None  # the order's payment deadline, passed on where supported


@dataclass(frozen=True)
class RefundRequest:
    out_trade_no: str
    out_request_no: str  # ours, one per refund (each partial refund its own)
    amount: Decimal  # this refund
    total: Decimal  # the payment's amount (WeChat wants both)
    reason: str = ""
    notify_url: str = ""  # WeChat's refund notify


# --- What the gateway answers ------------------------------------------------------------------------

# Payment states as the service understands them, whatever the provider calls them.
SUCCEEDED = "succeeded"
PENDING = "pending"
CLOSED = "closed"
FAILED = "failed"
REFUNDED = "refunded"  # WeChat's trade_state REFUND: paid, then (partly) refunded


@dataclass(frozen=True)
class CreateResult:
    """What the client needs to pay: a URL to open (alipay page/wap, wechat h5, sandbox), a code
    URL to render as QR (alipay precreate, wechat native), or signed parameters for the
    mini-program's wx.requestPayment (wechat jsapi). `raw` is kept on the Payment row."""

    client: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TradeState:
    """A verified statement about one payment, from a notify or a query."""

    out_trade_no: str
    status: str  # SUCCEEDED, PENDING, CLOSED, FAILED or REFUNDED
    amount: Decimal | None  # what the provider says was paid (None when it does not say)
    transaction_id: str = ""
    paid_at: datetime | None = None
    app_id: str = ""  # the app / merchant id the provider signed (checked by the adapter too)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundState:
    """A verified statement about one refund, from the refund call, a query or a refund notify."""

    out_request_no: str
    status: str  # SUCCEEDED, PENDING or FAILED
    amount: Decimal | None
    gateway_refund_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


class Gateway(Protocol):
    """One provider. Construct it from its config; constructing makes no network call."""

    name: str  # "alipay", "wechat", "sandbox"
    channels: tuple[str, ...]  # the channels create() accepts; the first is the default

    def create(self, request: PaymentRequest) -> CreateResult:
        """Start a payment. Raises GatewayError, or ValueError for an unknown channel."""
        ...

    def parse_notify(self, request: HttpRequest) -> TradeState:
        """Verify a payment notify and say what it states. Raises NotifyRejected, never anything
        else, whatever the body (malformed, forged, replayed, another merchant's)."""
        ...

    def notify_reply(self, accepted: bool) -> HttpResponse:
        """The answer the provider expects: success stops its retries, failure makes it retry."""
        ...

    def query(self, out_trade_no: str) -> TradeState:
        """Ask the provider about a payment (reconciliation). Raises GatewayError."""
        ...

    def close(self, out_trade_no: str) -> None:
        """Close an unpaid payment so it can no longer be paid. Raises GatewayError."""
        ...

    def refund(self, request: RefundRequest) -> RefundState:
        """Ask for a refund; the answer may already settle it or say it is pending. Raises
        GatewayError."""
        ...

    def parse_refund_notify(self, request: HttpRequest) -> RefundState:
        """Verify a refund notify (WeChat has one; others raise NotifyRejected("unsupported"))."""
        ...

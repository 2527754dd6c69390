"""The sandbox gateway: the embedded default, so `make run` can take a payment end to end.

It plays a provider on our own site: create() opens a SandboxTrade (the provider's books) and
answers the URL of /payments/sandbox/<out_trade_no>/, a page with "Pay" and "Fail" buttons.
Pressing one (`sandbox_press`) settles the trade on the provider's side and sends a signed
callback to our sandbox notify handling, the same path a real notify takes: parse_notify checks
the HMAC-SHA256 signature (key derived from SECRET_KEY) over "<timestamp>\\n<body>" and the
timestamp (within 300 s) before the service believes a word of it.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from payments.gateways.base import (
    CLOSED,
    FAILED,
    PENDING,
    SUCCEEDED,
    CreateResult,
    GatewayError,
    NotifyRejected,
    PaymentRequest,
    RefundRequest,
    RefundState,
    TradeState,
)

SIGNATURE_HEADER = "X-Sandbox-Signature"
TIMESTAMP_HEADER = "X-Sandbox-Timestamp"
MAX_SKEW_SECONDS = 300
SALT = "payments.gateways.sandbox.notify"

_STATES = {"SUCCESS": SUCCEEDED, "FAILED": FAILED, "CLOSED": CLOSED, "NOTPAY": PENDING}


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign(secret_key: str, timestamp: str, body: str) -> str:
    return salted_hmac(
        SALT, f"{timestamp}\n{body}", secret=secret_key, algorithm="sha256"
    ).hexdigest()


class SandboxGateway:
    name = "sandbox"
    channels: tuple[str, ...] = ("page",)

    def __init__(self, *, secret_key: str, site_url: str) -> None:
        self.secret_key = secret_key
        self.site_url = site_url

    # --- the shop's side -------------------------------------------------------------------------

    def create(self, request: PaymentRequest) -> CreateResult:
        from payments.models import SandboxTrade

        if request.channel not in self.channels:
            raise ValueError(request.channel)
        SandboxTrade.objects.update_or_create(
            out_trade_no=request.out_trade_no,
            defaults={
                "amount": request.amount,
                "subject": request.subject[:200],
                "return_url": request.return_url[:500],
                "notify_url": request.notify_url[:500],
            },
        )
        url = self.site_url + reverse("payments:sandbox", args=[request.out_trade_no])
        return CreateResult(client={"pay_url": url}, raw={"pay_url": url})

    def parse_notify(self, request: HttpRequest) -> TradeState:
        try:
            body = request.body.decode("utf-8")
            timestamp = request.headers.get(TIMESTAMP_HEADER, "")
            signature = request.headers.get(SIGNATURE_HEADER, "")
        except Exception as exc:  # an unreadable body or undecodable bytes
            raise NotifyRejected("malformed", str(exc)[:200]) from None
        if not timestamp.isdigit() or not signature:
            raise NotifyRejected("unsigned")
        if abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
            raise NotifyRejected("stale", f"timestamp {timestamp}")
        if not hmac.compare_digest(sign(self.secret_key, timestamp, body), signature):
            raise NotifyRejected("bad_signature")
        try:
            data = json.loads(body)
            state = _STATES[data["trade_state"]]
            amount = Decimal(str(data["amount"]))
            out_trade_no = str(data["out_trade_no"])
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise NotifyRejected("malformed", str(exc)[:200]) from None
        return TradeState(
            out_trade_no=out_trade_no,
            status=state,
            amount=amount,
            transaction_id=str(data.get("transaction_id") or ""),
            paid_at=timezone.now() if state == SUCCEEDED else None,
            raw=data,
        )

    def notify_reply(self, accepted: bool) -> HttpResponse:
        if accepted:
            return JsonResponse({"code": "SUCCESS"})
        return JsonResponse({"code": "FAIL", "message": "rejected"}, status=400)

    def query(self, out_trade_no: str) -> TradeState:
        from payments.models import SandboxTrade

        trade = SandboxTrade.objects.filter(out_trade_no=out_trade_no).first()
        if trade is None:
            raise GatewayError(f"unknown trade {out_trade_no}")
        return TradeState(
            out_trade_no=out_trade_no,
            status=_STATES[trade.state],
            amount=trade.amount if trade.state == SandboxTrade.State.SUCCESS else None,
            transaction_id=trade.transaction_id,
            paid_at=trade.paid_at,
            raw={"trade_state": trade.state},
        )

    def close(self, out_trade_no: str) -> None:
        from payments.models import SandboxTrade

        # Like the real providers: closing a paid trade is refused (the caller queries first).
        if (
            SandboxTrade.objects.filter(out_trade_no=out_trade_no, state="SUCCESS")
            .exclude(refunded=F("amount"))
            .exists()
        ):
            raise GatewayError("trade already paid")
        SandboxTrade.objects.filter(out_trade_no=out_trade_no, state="NOTPAY").update(
            state="CLOSED"
        )

    def refund(self, request: RefundRequest) -> RefundState:
        from payments.models import SandboxTrade

        with transaction.atomic():
            trade = (
                SandboxTrade.objects.select_for_update()
                .filter(out_trade_no=request.out_trade_no)
                .first()
            )
            if trade is None or trade.state != SandboxTrade.State.SUCCESS:
                return RefundState(request.out_request_no, FAILED, request.amount)
            if trade.refunded + request.amount > trade.amount:
                return RefundState(request.out_request_no, FAILED, request.amount)
            trade.refunded += request.amount
            trade.save(update_fields=["refunded"])
        return RefundState(
            out_request_no=request.out_request_no,
            status=SUCCEEDED,
            amount=request.amount,
            gateway_refund_id="SBR" + secrets.token_hex(8),
            raw={"refunded": str(trade.refunded)},
        )

    def parse_refund_notify(self, request: HttpRequest) -> RefundState:
        raise NotifyRejected("unsupported", "the sandbox settles refunds at once")

    # --- the provider's side: the buttons of the sandbox page -----------------------------------

    def signed_notify(self, data: dict[str, Any], *, timestamp: int | None = None) -> HttpRequest:
        """The callback the sandbox sends: an HttpRequest as it would arrive at our notify URL."""
        body = canonical(data)
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        request = HttpRequest()
        request.method = "POST"
        request.path = "/api/v1/payments/sandbox/notify/"
        request.META.update(
            {
                "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(body.encode())),
                "HTTP_X_SANDBOX_TIMESTAMP": stamp,
                "HTTP_X_SANDBOX_SIGNATURE": sign(self.secret_key, stamp, body),
                "REMOTE_ADDR": "127.0.0.1",
            }
        )
        request._body = body.encode()
        return request

    def press(self, out_trade_no: str, *, pay: bool) -> HttpRequest | None:
        """Settle the trade on the provider's side ("Pay" or "Fail") and build its callback; None
        when the trade is unknown or no longer open."""
        from payments.models import SandboxTrade

        with transaction.atomic():
            trade = (
                SandboxTrade.objects.select_for_update().filter(out_trade_no=out_trade_no).first()
            )
            if trade is None:
                return None
            if trade.state == SandboxTrade.State.NOTPAY:
                trade.state = SandboxTrade.State.SUCCESS if pay else SandboxTrade.State.FAILED
                if pay:
                    trade.transaction_id = "SBX" + secrets.token_hex(10)
                    trade.paid_at = timezone.now()
                trade.save()
        if trade.state not in (SandboxTrade.State.SUCCESS, SandboxTrade.State.FAILED):
            return None
        return self.signed_notify(
            {
                "out_trade_no": trade.out_trade_no,
                "trade_state": trade.state,
                "amount": str(trade.amount),
                "transaction_id": trade.transaction_id,
            }
        )

"""Payments: create, confirm (from a notify or a query), refund, reconcile.

The gateways (payments.gateways) only speak their provider's protocol; the rules live here.

- A gateway is never called inside a transaction that holds row locks: rows are written and
  committed first, the provider is called, and its answer is settled in a second transaction.
- Lock order (docs/architecture.md): order -> payment -> refund. Whoever holds the order row
  decides between a confirming notify and the expiry task.
- Every payment status change writes a PaymentEvent; when the order changes, orders' services
  write its OrderEvents.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.money import money
from orders import locks as order_locks
from orders.exceptions import AmountMismatch, OrderNotPayable, RefundInvalid
from orders.models import Order, OrderEvent
from orders.queries import order_is_payable
from orders.services import order_event_write, order_mark_paid, order_refund
from payments.exceptions import (
    ChannelInvalid,
    GatewayFailed,
    PaymentNotRefundable,
    WechatOpenidMismatch,
    WechatOpenidRequired,
)
from payments.gateways import gateway_get, notify_url
from payments.gateways.base import (
    CLOSED,
    FAILED,
    SUCCEEDED,
    GatewayError,
    NotifyRejected,
    PaymentRequest,
    RefundRequest,
    RefundState,
    TradeState,
)
from payments.models import (
    NOTIFY_BODY_MAX_CHARS,
    Payment,
    PaymentEvent,
    PaymentNotification,
    Refund,
)

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

PStatus = Payment.Status
# Request headers never stored with a notify (ours, not the provider's, and secret).
_SECRET_HEADERS = {"cookie", "authorization", "proxy-authorization"}


def _new_reference(prefix: str) -> str:
    """`P2611261A2B3C4D5E6F7A8B9C` style: 23 characters of WeChat's out_trade_no alphabet,
    unguessable (the sandbox page is reached by it) and sortable by day."""
    return prefix + timezone.now().strftime("%y%m%d") + secrets.token_hex(8).upper()


def _payment_move(payment: Payment, to_status: str, *, note: str = "") -> None:
    """Change a (locked) payment's status and write its PaymentEvent; the caller saves."""
    PaymentEvent.objects.create(
        payment=payment, from_status=payment.status, to_status=to_status, note=note[:500]
    )
    payment.status = to_status


def _payment_flag(payment: Payment, attention: str, *, note: str = "") -> None:
    if payment.attention == attention:
        # A gateway retries the same notify for a day: each one is kept as a PaymentNotification,
        # but the flag staff act on is raised once.
        return
    PaymentEvent.objects.create(
        payment=payment, from_status=payment.status, to_status=payment.status, note=note[:500]
    )
    payment.attention = attention
    payment.save(update_fields=["attention", "updated_at"])
    logger.warning("payment %s flagged %s: %s", payment.out_trade_no, attention, note)


# --- Create ------------------------------------------------------------------------------------------


@dataclass
class PaymentStart:
    payment: Payment
    client: dict[str, Any]
    created: bool


def payment_create(
    order: Order,
    *,
    gateway: str,
    channel: str = "",
    actor: User,
    return_url: str = "",
    client_ip: str = "",
    payer_openid: str = "",
) -> PaymentStart:
    """Start paying a pending order of `actor` through `gateway`.

    Never two live payments of one order: an open payment of the same gateway and channel is
    reused (the same out_trade_no, so the provider sees one trade), any other open payment of the
    order is closed here and at its provider. The provider is called after the commit.
    """
    adapter = gateway_get(gateway)
    channel = channel or adapter.channels[0]
    if channel not in adapter.channels:
        raise ChannelInvalid(extra={"channels": list(adapter.channels)})
    if gateway == "wechat" and channel == "jsapi":
        # JSAPI pays as the WeChat user that WeChat login verified (accounts stored the openid):
        # a client may echo it back, but never name another payer. Refused before any row or call.
        stored = actor.wechat_openid or ""
        if not stored:
            raise WechatOpenidRequired()
        if payer_openid and payer_openid != stored:
            raise WechatOpenidMismatch()
        payer_openid = stored
    to_close: list[Payment] = []
    with transaction.atomic():
        locked = order_locks.order_lock(order)
        if locked.user_id != actor.pk:
            raise OrderNotPayable()
        if not order_is_payable(locked):
            raise OrderNotPayable(extra={"status": locked.status})
        open_payments = list(
            Payment.objects.select_for_update()
            .filter(order=locked, status__in=Payment.OPEN)
            .order_by("pk")
        )
        payment = None
        for candidate in open_payments:
            same = (candidate.gateway, candidate.channel, candidate.amount) == (
                gateway,
                channel,
                locked.total,
            )
            if same and payment is None:
                payment = candidate
            else:
                _payment_move(candidate, PStatus.CLOSED, note=_("Replaced by a new payment."))
                candidate.save(update_fields=["status", "updated_at"])
                to_close.append(candidate)
        created = payment is None
        if payment is None:
            payment = Payment.objects.create(
                order=locked,
                gateway=gateway,
                channel=channel,
                amount=locked.total,
                out_trade_no=_new_reference("P"),
            )
            PaymentEvent.objects.create(payment=payment, to_status=PStatus.CREATED)
    for old in to_close:
        _gateway_close_quietly(old)
    client = (payment.raw or {}).get("client")
    if not created and payment.status == PStatus.PENDING and client and not return_url:
        return PaymentStart(payment, client, created=False)
    request = PaymentRequest(
        out_trade_no=payment.out_trade_no,
        amount=payment.amount,
        subject=_("Order %(number)s") % {"number": locked.number},
        channel=channel,
        notify_url=notify_url(gateway),
        return_url=return_url,
        payer_openid=payer_openid,
        client_ip=client_ip,
        expires_at=locked.expires_at,
    )
    try:
        result = adapter.create(request)
    except (GatewayError, ValueError) as exc:
        logger.warning("payment %s: create at %s failed: %s", payment.out_trade_no, gateway, exc)
        with transaction.atomic():
            failed = Payment.objects.select_for_update().get(pk=payment.pk)
            if failed.status in Payment.OPEN:
                _payment_move(failed, PStatus.FAILED, note=str(exc)[:200])
                failed.save(update_fields=["status", "updated_at"])
        raise GatewayFailed() from exc
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        payment.raw = {**(payment.raw or {}), "create": result.raw, "client": result.client}
        replaced = payment.status not in Payment.OPEN
        if payment.status == PStatus.CREATED:
            _payment_move(payment, PStatus.PENDING)
        payment.save(update_fields=["raw", "status", "updated_at"])
    if replaced:
        # Another pay/ closed this payment (here and at a provider that did not know the trade
        # yet) while we were opening it there: close it there again, or leave it for reconcile.
        _gateway_close_quietly(payment)
    return PaymentStart(payment, result.client, created=created)


# raw key of a payment closed here whose close the provider refused or never answered: it may
# have been paid there meanwhile (money taken, notify perhaps lost), so reconciliation asks.
CLOSE_UNCONFIRMED = "close_unconfirmed"


def _gateway_close_quietly(payment: Payment) -> None:
    """Close a trade at its provider, after our commit. A failure is logged and marked on the
    payment; reconciliation asks the provider again (payments_due_for_reconcile), and a payment
    that still arrives is confirmed, or refunded as a late payment."""
    try:
        gateway_get(payment.gateway).close(payment.out_trade_no)
    except (DomainError, GatewayError) as exc:
        logger.warning(
            "payment %s: close at %s failed: %s", payment.out_trade_no, payment.gateway, exc
        )
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            locked.raw = {**(locked.raw or {}), CLOSE_UNCONFIRMED: str(exc)[:200]}
            locked.save(update_fields=["raw", "updated_at"])


def _close_confirmed(payment: Payment) -> None:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if CLOSE_UNCONFIRMED in (locked.raw or {}):
            locked.raw = {k: v for k, v in locked.raw.items() if k != CLOSE_UNCONFIRMED}
            locked.save(update_fields=["raw", "updated_at"])


# --- Notify and confirm ------------------------------------------------------------------------------


def _text(value: str) -> str:
    # PostgreSQL text cannot hold NUL: anyone may send one, and the notify must still be recorded.
    return value.replace("\x00", "\ufffd")


def _notification_record(gateway: str, kind: str, request: HttpRequest) -> PaymentNotification:
    try:
        raw = request.body
    except Exception:  # a body that cannot be read (already consumed, too large): record that
        raw = b""
    body = _text(raw[: NOTIFY_BODY_MAX_CHARS * 4].decode("utf-8", errors="replace"))
    headers = {
        _text(key)[:200]: _text(value)[:1000]
        for key, value in list(request.headers.items())[:50]
        if key.lower() not in _SECRET_HEADERS
    }
    return PaymentNotification.objects.create(
        gateway=gateway[:16],
        kind=kind,
        headers=headers,
        body=body[:NOTIFY_BODY_MAX_CHARS],
        body_truncated=len(body) > NOTIFY_BODY_MAX_CHARS,
    )


def _failure_reply(gateway: str) -> HttpResponse:
    # The gateway itself could not be built: answer in the form its provider understands.
    if gateway == "alipay":
        return HttpResponse("fail", content_type="text/plain", status=200)
    return JsonResponse({"code": "FAIL", "message": "unavailable"}, status=400)


def payment_notify_handle(gateway_name: str, request: HttpRequest) -> HttpResponse:
    """A provider's payment notify: record it, verify it, confirm it, answer the provider.

    Nothing in it is believed before the adapter verified it; whatever it holds, the answer is
    the provider's success or failure reply, never a 500.
    """
    note = _notification_record(gateway_name, PaymentNotification.Kind.PAYMENT, request)
    try:
        adapter = gateway_get(gateway_name)
    except DomainError as exc:
        note.outcome, note.error = "gateway_unavailable", str(exc.code)
        note.save(update_fields=["outcome", "error"])
        return _failure_reply(gateway_name)
    try:
        state = adapter.parse_notify(request)
    except NotifyRejected as exc:
        note.outcome, note.error = "rejected", _text(str(exc))[:500]
        note.save(update_fields=["outcome", "error"])
        logger.warning("%s notify %s rejected: %s", gateway_name, note.pk, exc)
        return adapter.notify_reply(False)
    except Exception as exc:  # an adapter bug must not become a 500 the provider retries forever
        logger.exception("%s notify %s: parse_notify failed", gateway_name, note.pk)
        note.outcome, note.error = "error", _text(repr(exc))[:500]
        note.save(update_fields=["outcome", "error"])
        return adapter.notify_reply(False)
    note.verified = True
    note.out_trade_no = _text(state.out_trade_no)[:64]
    note.save(update_fields=["verified", "out_trade_no"])
    try:
        result = payment_confirm(gateway_name, state)
    except Exception as exc:
        logger.exception("%s notify %s: confirm failed", gateway_name, note.pk)
        note.outcome, note.error = "error", _text(repr(exc))[:500]
        note.save(update_fields=["outcome", "error"])
        return adapter.notify_reply(False)
    note.outcome = result.outcome
    note.payment = result.payment
    note.save(update_fields=["outcome", "payment"])
    return adapter.notify_reply(result.accepted)


@dataclass
class Confirmation:
    outcome: str  # confirmed, duplicate, unknown_trade, amount_mismatch, late_refunded, ...
    accepted: bool  # answer the provider success (stop retrying) or failure
    payment: Payment | None = None


def payment_confirm(gateway_name: str, state: TradeState) -> Confirmation:
    """Apply a verified statement about a payment (from a notify or a query).

    One transaction, the order then the payment row locked. A repeated statement changes
    nothing. A payment for an order that can no longer take it (expired, cancelled, or already
    paid by another payment) is kept and refunded in full through its gateway after the commit
    (PAYMENTS_AUTO_REFUND_LATE), or flagged for staff; the order and its stock stay as they are.
    """
    found = (
        Payment.objects.filter(gateway=gateway_name, out_trade_no=state.out_trade_no)
        .only("pk", "order_id")
        .first()
    )
    if found is None:
        logger.warning("%s statement for unknown trade %r", gateway_name, state.out_trade_no)
        return Confirmation("unknown_trade", accepted=False)
    if state.status == SUCCEEDED:
        return _confirm_paid(found, state)
    if state.status in (CLOSED, FAILED):
        with transaction.atomic():
            payment = Payment.objects.select_for_update().get(pk=found.pk)
            if payment.status in Payment.OPEN:
                target = PStatus.CLOSED if state.status == CLOSED else PStatus.FAILED
                _payment_move(payment, target, note=_("Reported by %(g)s.") % {"g": gateway_name})
                payment.raw = {**(payment.raw or {}), "last": state.raw}
                payment.save(update_fields=["status", "raw", "updated_at"])
        return Confirmation("not_paid", accepted=True, payment=payment)
    # PENDING (nothing happened yet) or REFUNDED (the provider's view of a refund we track
    # ourselves through Refund rows): nothing to change.
    return Confirmation("no_change", accepted=True, payment=found)


def _confirm_paid(found: Payment, state: TradeState) -> Confirmation:
    late = False
    with transaction.atomic():
        order = order_locks.order_lock(Order(pk=found.order_id))
        payment = Payment.objects.select_for_update().get(pk=found.pk)
        if payment.status in Payment.PAID:
            return Confirmation("duplicate", accepted=True, payment=payment)
        if state.amount is None or money(state.amount) != payment.amount:
            _payment_flag(
                payment,
                Payment.Attention.AMOUNT_MISMATCH,
                note=_("Provider says %(got)s paid, we asked %(want)s.")
                % {"got": state.amount, "want": payment.amount},
            )
            return Confirmation("amount_mismatch", accepted=False, payment=payment)
        _payment_move(payment, PStatus.SUCCEEDED, note=state.transaction_id)
        payment.transaction_id = state.transaction_id[:64]
        payment.paid_at = state.paid_at or timezone.now()
        payment.raw = {**(payment.raw or {}), "paid": state.raw}
        was_paid = order.payment_status != Order.PaymentStatus.PENDING
        try:
            with transaction.atomic():
                order_mark_paid(
                    order,
                    gateway=payment.gateway,
                    transaction_id=payment.transaction_id,
                    amount=payment.amount,
                )
        except (OrderNotPayable, AmountMismatch):
            late = True
        late = late or was_paid
        payment.applied = not late
        if late:
            payment.attention = Payment.Attention.LATE
            order_event_write(
                order,
                "",
                "late_payment",
                note=_(
                    "Payment %(no)s of %(amount)s arrived for an order that can no longer take it."
                )
                % {"no": payment.out_trade_no, "amount": payment.amount},
                kind=OrderEvent.Kind.NOTE,
            )
        # A transaction id already on another payment of this gateway raises IntegrityError
        # here and nothing of this statement stays (the notify answers failure).
        payment.save()
    if not late:
        return Confirmation("confirmed", accepted=True, payment=payment)
    if not settings.PAYMENTS_AUTO_REFUND_LATE:
        logger.warning("late payment %s flagged for staff", payment.out_trade_no)
        return Confirmation("late_flagged", accepted=True, payment=payment)
    try:
        refund = refund_create(payment, amount=payment.amount, reason="late payment", actor=None)
    except DomainError as exc:
        logger.error("late payment %s: automatic refund failed: %s", payment.out_trade_no, exc)
        _flag_refund_failed(payment)
        return Confirmation("late_flagged", accepted=True, payment=payment)
    payment.refresh_from_db()
    if refund.status == Refund.Status.FAILED:
        _flag_refund_failed(payment)
        return Confirmation("late_flagged", accepted=True, payment=payment)
    return Confirmation("late_refunded", accepted=True, payment=payment)


def _flag_refund_failed(payment: Payment) -> None:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        _payment_flag(locked, Payment.Attention.REFUND_FAILED, note=_("Automatic refund failed."))


# --- Refunds -----------------------------------------------------------------------------------------


def _committed_refunds(payment: Payment) -> Decimal:
    total = payment.refunds.filter(
        status__in=[Refund.Status.PENDING, Refund.Status.SUCCEEDED]
    ).aggregate(s=Sum("amount"))["s"]
    return money(total)


def refundable_payment(order: Order) -> Payment:
    payment = (
        Payment.objects.filter(order=order, applied=True, status__in=Payment.PAID)
        .order_by("-pk")
        .first()
    )
    if payment is None:
        raise PaymentNotRefundable()
    return payment


def refund_create(
    target: Order | Payment,
    *,
    amount: Decimal | str,
    reason: str = "",
    actor: User | None = None,
) -> Refund:
    """Give money back through the gateway that took it; partial or full.

    Never more than paid minus refunded (pending refunds count), also when two staff press at
    once: the payment row is locked while the Refund row is written. The gateway is asked after
    that commit and its answer settled in a second transaction (refund_settle); a gateway that
    does not answer leaves the refund pending for reconciliation.
    """
    payment = refundable_payment(target) if isinstance(target, Order) else target
    try:
        amount = money(Decimal(str(amount)))
    except (ArithmeticError, InvalidOperation, TypeError, ValueError):
        raise RefundInvalid() from None
    if not amount.is_finite():  # NaN quantizes to NaN, then any comparison raises
        raise RefundInvalid()
    adapter = gateway_get(payment.gateway)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status not in (PStatus.SUCCEEDED, PStatus.PARTIALLY_REFUNDED):
            raise PaymentNotRefundable()
        refundable = payment.amount - _committed_refunds(payment)
        if amount <= 0 or amount > refundable:
            raise RefundInvalid(
                _("The refund must be more than 0 and at most %(max)s.") % {"max": refundable},
                extra={"refundable": str(refundable)},
            )
        refund = Refund.objects.create(
            payment=payment,
            amount=amount,
            reason=str(reason)[:200],
            out_request_no=_new_reference("R"),
            actor=actor if actor is not None and actor.is_authenticated else None,
        )
    request = RefundRequest(
        out_trade_no=payment.out_trade_no,
        out_request_no=refund.out_request_no,
        amount=refund.amount,
        total=payment.amount,
        reason=refund.reason,
        notify_url=notify_url(payment.gateway, refund=True),
    )
    try:
        answer = adapter.refund(request)
    except GatewayError as exc:
        logger.warning(
            "refund %s: %s did not answer: %s", refund.out_request_no, payment.gateway, exc
        )
        return refund
    return refund_settle(refund, answer)


def refund_settle(refund: Refund, state: RefundState) -> Refund:
    """Apply the gateway's word on a refund (its answer, a refund notify or a query). Settles a
    pending refund once; the payment's status follows, and a refund of the payment that paid the
    order is recorded on the order (order_refund: a full one ends it `refunded` and releases stock
    not yet shipped)."""
    if state.status not in (SUCCEEDED, FAILED):
        return refund
    with transaction.atomic():
        payment = Payment.objects.only("pk", "order_id", "applied").get(pk=refund.payment_id)
        order = order_locks.order_lock(Order(pk=payment.order_id)) if payment.applied else None
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status != Refund.Status.PENDING:
            return refund
        refund.raw = {**(refund.raw or {}), "answer": state.raw}
        refund.settled_at = timezone.now()
        if state.status == FAILED:
            refund.status = Refund.Status.FAILED
            refund.save()
            PaymentEvent.objects.create(
                payment=payment,
                from_status=payment.status,
                to_status=payment.status,
                note=_("Refund %(no)s failed.") % {"no": refund.out_request_no},
            )
            return refund
        refund.status = Refund.Status.SUCCEEDED
        refund.gateway_refund_id = state.gateway_refund_id[:64]
        refund.save()
        refunded = money(
            payment.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(s=Sum("amount"))["s"]
        )
        target = PStatus.REFUNDED if refunded >= payment.amount else PStatus.PARTIALLY_REFUNDED
        _payment_move(
            payment,
            target,
            note=_("Refund %(no)s: %(amount)s")
            % {"no": refund.out_request_no, "amount": refund.amount},
        )
        payment.save(update_fields=["status", "updated_at"])
        if order is not None:
            order_refund(order, amount=refund.amount, reason=refund.reason, actor=refund.actor)
    return refund


def order_refund_through_gateway(
    order: Order, *, amount: Decimal, reason: str = "", actor: User | None = None
) -> Order:
    """What staff's refund endpoint and admin action run (registered with orders in
    payments.apps): a refund through the gateway, answered with the order as it now stands."""
    refund_create(order, amount=amount, reason=reason, actor=actor)
    return Order.objects.get(pk=order.pk)


def refund_notify_handle(gateway_name: str, request: HttpRequest) -> HttpResponse:
    """A provider's refund notify (WeChat): record, verify, settle, answer."""
    note = _notification_record(gateway_name, PaymentNotification.Kind.REFUND, request)
    try:
        adapter = gateway_get(gateway_name)
    except DomainError as exc:
        note.outcome, note.error = "gateway_unavailable", str(exc.code)
        note.save(update_fields=["outcome", "error"])
        return _failure_reply(gateway_name)
    try:
        state = adapter.parse_refund_notify(request)
    except NotifyRejected as exc:
        note.outcome, note.error = "rejected", _text(str(exc))[:500]
        note.save(update_fields=["outcome", "error"])
        return adapter.notify_reply(False)
    except Exception as exc:
        logger.exception("%s refund notify %s: parse failed", gateway_name, note.pk)
        note.outcome, note.error = "error", _text(repr(exc))[:500]
        note.save(update_fields=["outcome", "error"])
        return adapter.notify_reply(False)
    note.verified = True
    refund = (
        Refund.objects.filter(out_request_no=state.out_request_no, payment__gateway=gateway_name)
        .select_related("payment")
        .first()
    )
    if refund is None:
        note.outcome = "unknown_refund"
        note.save(update_fields=["verified", "outcome"])
        return adapter.notify_reply(False)
    try:
        refund = refund_settle(refund, state)
    except Exception as exc:  # a deadlock, a clash: the provider retries, never a 500
        logger.exception("%s refund notify %s: settle failed", gateway_name, note.pk)
        note.outcome, note.error = "error", _text(repr(exc))[:500]
        note.save(update_fields=["verified", "outcome", "error"])
        return adapter.notify_reply(False)
    note.outcome, note.payment = f"refund_{refund.status}", refund.payment
    note.out_trade_no = refund.payment.out_trade_no
    note.save(update_fields=["verified", "outcome", "payment", "out_trade_no"])
    return adapter.notify_reply(True)


# --- Reconciliation ----------------------------------------------------------------------------------


def payment_reconcile(payment: Payment) -> str:
    """Ask the provider about an open payment, or one closed here whose close the provider did
    not confirm: confirm it (or refund it as late), or close it (at the provider too) when the
    provider says closed or the order can no longer take it. Returns what happened."""
    try:
        adapter = gateway_get(payment.gateway)
        state = adapter.query(payment.out_trade_no)
    except (DomainError, GatewayError) as exc:
        logger.warning("reconcile %s: query failed: %s", payment.out_trade_no, exc)
        return "query_failed"
    if state.status in (SUCCEEDED, CLOSED, FAILED):
        outcome = payment_confirm(payment.gateway, state).outcome
        _close_confirmed(payment)  # the provider's last word on it is in
        return outcome
    # A payment closed here (replaced) whose close the provider did not confirm: close it there.
    if payment.status in Payment.OPEN:
        order = Order.objects.only("status", "expires_at").get(pk=payment.order_id)
        order_open = order.status == Order.Status.PENDING and (
            order.expires_at is None or order.expires_at > timezone.now()
        )
        if order_open:
            return "pending"
    try:
        adapter.close(payment.out_trade_no)
    except GatewayError as exc:
        logger.warning("reconcile %s: close failed: %s", payment.out_trade_no, exc)
        return "close_failed"
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status in Payment.OPEN:
            _payment_move(locked, PStatus.CLOSED, note=_("The order can no longer be paid."))
            locked.save(update_fields=["status", "updated_at"])
    _close_confirmed(payment)
    return "closed"


def refund_reconcile(refund: Refund) -> str:
    """A refund still pending: ask the provider (query_refund where the adapter has one), else
    ask for it again under the same out_request_no (providers treat that as the same refund)."""
    payment = refund.payment
    try:
        adapter = gateway_get(payment.gateway)
        query_refund = getattr(adapter, "query_refund", None)
        if query_refund is not None:
            state: RefundState = query_refund(payment.out_trade_no, refund.out_request_no)
        else:
            state = adapter.refund(
                RefundRequest(
                    out_trade_no=payment.out_trade_no,
                    out_request_no=refund.out_request_no,
                    amount=refund.amount,
                    total=payment.amount,
                    reason=refund.reason,
                    notify_url=notify_url(payment.gateway, refund=True),
                )
            )
    except (DomainError, GatewayError) as exc:
        logger.warning("reconcile refund %s failed: %s", refund.out_request_no, exc)
        return "query_failed"
    return refund_settle(refund, state).status


def payments_due_for_reconcile() -> tuple[list[int], list[int]]:
    """Open payments older than PAYMENTS_RECONCILE_AFTER_MINUTES, or of an order that can no
    longer be paid (any age), or closed here but not confirmed closed by the provider; and
    pending refunds older than that."""
    cutoff = timezone.now() - timedelta(minutes=settings.PAYMENTS_RECONCILE_AFTER_MINUTES)
    open_payments = Payment.objects.filter(status__in=Payment.OPEN)
    old = open_payments.filter(created_at__lte=cutoff)
    dead = open_payments.exclude(order__status=Order.Status.PENDING)
    unconfirmed = Payment.objects.filter(status=PStatus.CLOSED, raw__has_key=CLOSE_UNCONFIRMED)
    payment_ids = sorted(
        set(old.values_list("pk", flat=True))
        | set(dead.values_list("pk", flat=True))
        | set(unconfirmed.values_list("pk", flat=True))
    )
    refund_ids = list(
        Refund.objects.filter(status=Refund.Status.PENDING, created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return payment_ids, refund_ids

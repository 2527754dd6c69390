"""After-sales requests: one function per transition, each under the order's and the request's
row locks (aftersales.locks), each writing an AfterSalesEvent and mailing the customer on commit.

States (docs/api.md): requested -> approved | rejected | cancelled; a return: approved ->
returned -> received -> refunded; refund only: approved -> refunded; an approved return never
sent back -> closed.

Money goes back through payments (refund_create: the gateway that took it, never more than paid
minus refunded, also under concurrency). The gateway is never called while a row here is locked:
aftersales_refund marks the request, commits, asks payments, then settles the request in a second
transaction. A refund the gateway leaves pending is settled by the Beat task (aftersales_sweep).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import locks
from aftersales.amounts import PaidLine, refund_breakdown
from aftersales.exceptions import (
    AfterSalesLineInvalid,
    AfterSalesLineOpen,
    AfterSalesNotAllowed,
    AfterSalesOrderNotFound,
    AfterSalesWindowClosed,
    InvalidTransition,
    RefundFailed,
    RefundInProgress,
    ReturnShipmentInvalid,
)
from aftersales.models import (
    AfterSalesEvent,
    AfterSalesLine,
    AfterSalesPhoto,
    AfterSalesRequest,
)
from catalog.services import image_validate
from core.money import ZERO, money
from core.transactions import on_commit_robust
from inventory.services import stock_release_lines, stock_return
from orders import locks as order_locks
from orders.exceptions import RefundInvalid
from orders.models import Order, OrderLine
from payments.models import Refund
from payments.services import refund_create

if TYPE_CHECKING:
    from django.core.files import File

    from accounts.models import User

logger = logging.getLogger(__name__)

Status = AfterSalesRequest.Status
Kind = AfterSalesRequest.Kind

MAX_PHOTOS = 3
# A refund marked as started whose gateway call never came back (a crashed worker) may be asked
# for again after this long.
REFUND_STALE_AFTER = timedelta(minutes=10)

# The legal moves; the kind narrows them (see _check).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REQUESTED: frozenset({Status.APPROVED, Status.REJECTED, Status.CANCELLED}),
    Status.APPROVED: frozenset({Status.RETURNED, Status.REFUNDED, Status.CLOSED}),
    Status.RETURNED: frozenset({Status.RECEIVED}),
    Status.RECEIVED: frozenset({Status.REFUNDED}),
    Status.REJECTED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.REFUNDED: frozenset(),
    Status.CLOSED: frozenset(),
}
# Moves only one kind makes.
_RETURN_ONLY_MOVES = {(Status.APPROVED, Status.RETURNED), (Status.APPROVED, Status.CLOSED)}
_REFUND_ONLY_MOVES = {(Status.APPROVED, Status.REFUNDED)}

_PAID = (Order.PaymentStatus.PAID, Order.PaymentStatus.PARTIALLY_REFUNDED)
_OPEN_ORDER = (Order.Status.PROCESSING, Order.Status.SHIPPED, Order.Status.DELIVERED)


# --- helpers -----------------------------------------------------------------------------------------


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _allowed(request: AfterSalesRequest, to_status: str) -> bool:
    if to_status not in TRANSITIONS[request.status]:
        return False
    move = (request.status, to_status)
    if request.kind == Kind.REFUND_ONLY and move in _RETURN_ONLY_MOVES:
        return False
    return not (request.kind == Kind.RETURN_AND_REFUND and move in _REFUND_ONLY_MOVES)


def _check(request: AfterSalesRequest, to_status: str) -> None:
    if not _allowed(request, to_status):
        raise InvalidTransition(
            _("A request that is %(from)s cannot become %(to)s.")
            % {"from": request.get_status_display(), "to": Status(to_status).label},
            extra={"from_status": request.status, "to_status": str(to_status)},
        )


def _event(
    request: AfterSalesRequest,
    from_status: str,
    to_status: str,
    *,
    actor: User | None,
    note: str = "",
) -> AfterSalesEvent:
    event = AfterSalesEvent.objects.create(
        request=request,
        from_status=from_status,
        to_status=to_status,
        actor=_actor(actor),
        note=str(note)[:500],
    )
    _email_on_commit(event)
    return event


def _email_on_commit(event: AfterSalesEvent) -> None:
    from aftersales.tasks import aftersales_email_send

    on_commit_robust(aftersales_email_send.delay, event.pk)


_STAMPS = {
    Status.APPROVED: "decided_at",
    Status.REJECTED: "decided_at",
    Status.CANCELLED: "closed_at",
    Status.CLOSED: "closed_at",
    Status.RETURNED: "returned_at",
    Status.RECEIVED: "received_at",
    Status.REFUNDED: "refunded_at",
}


def _move(
    request: AfterSalesRequest,
    to_status: str,
    *,
    actor: User | None,
    note: str = "",
    fields: Iterable[str] = (),
) -> AfterSalesRequest:
    """Change a locked request's status, stamp its time, save, write the event; a request that
    ends without a refund frees its lines for a new request."""
    _check(request, to_status)
    from_status = request.status
    request.status = to_status
    stamp = _STAMPS[Status(to_status)]
    setattr(request, stamp, timezone.now())
    request.save(update_fields=["status", stamp, "updated_at", *fields])
    if to_status not in AfterSalesRequest.OPEN:
        AfterSalesLine.objects.filter(request=request).update(is_open=False)
    _event(request, from_status, to_status, actor=actor, note=note)
    return request


def _claimed_units(order: Order, *, exclude: int | None = None) -> dict[int, int]:
    """Units of each line claimed by the order's open and refunded requests."""
    rows = AfterSalesLine.objects.filter(
        request__order=order, request__status__in=AfterSalesRequest.CLAIMING
    )
    if exclude is not None:
        rows = rows.exclude(request_id=exclude)
    claimed: dict[int, int] = defaultdict(int)
    for line_id, units in rows.values_list("order_line_id").annotate(u=Sum("quantity")):
        claimed[line_id] += units
    return dict(claimed)


def _paid_lines(order: Order) -> list[PaidLine]:
    return [
        PaidLine(id=line.pk, line_total=line.line_total, quantity=line.quantity)
        for line in OrderLine.objects.filter(order=order).order_by("pk")
    ]


# --- create ------------------------------------------------------------------------------------------


def photos_validate(photos: Sequence[File[Any]]) -> None:
    """At most MAX_PHOTOS real images of at most IMAGE_UPLOAD_MAX_BYTES each (catalog's rule)."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(
            _("At most %(n)d photos.") % {"n": MAX_PHOTOS}, code="too_many_photos"
        )
    for photo in photos:
        image_validate(photo)


def _eligible(order: Order, kind: str) -> None:
    if order.payment_status not in _PAID or order.status not in _OPEN_ORDER:
        raise AfterSalesNotAllowed(extra={"status": order.status})
    if kind == Kind.RETURN_AND_REFUND and order.status != Order.Status.DELIVERED:
        raise AfterSalesNotAllowed(
            _("Goods can be sent back once the order is delivered; ask for a refund only."),
            extra={"status": order.status},
        )
    if order.delivered_at is not None:
        closes = order.delivered_at + timedelta(days=settings.AFTER_SALES_DAYS)
        if timezone.now() > closes:
            raise AfterSalesWindowClosed(extra={"closed_at": closes.isoformat()})


def aftersales_order_check(order: Order, *, kind: str = Kind.REFUND_ONLY) -> None:
    """Raise the domain error that would refuse a request of `kind` on `order` now (a read: the
    request form says so before the customer fills it in)."""
    _eligible(order, kind)


def aftersales_request_create(
    user: User,
    *,
    order_number: str,
    kind: str,
    lines: Sequence[Mapping[str, int]],
    reason: str,
    description: str = "",
    photos: Sequence[File[Any]] = (),
) -> AfterSalesRequest:
    """A customer asks for money back on lines of their own paid order.

    Under the order's lock: one open request per order line, and never more units than bought
    minus those already claimed; the amount comes from refund_breakdown, capped at what is left of
    the order's payment. Photos are checked before anything is written.
    """
    if kind not in Kind.values:
        raise AfterSalesLineInvalid(_("Unknown kind."))
    if reason not in AfterSalesRequest.Reason.values:
        raise AfterSalesLineInvalid(_("Unknown reason."))
    photos = list(photos)
    photos_validate(photos)
    wanted: dict[int, int] = {}
    for item in lines:
        line_id, units = int(item["order_line_id"]), int(item["quantity"])
        if line_id in wanted or units < 1:
            raise AfterSalesLineInvalid(extra={"order_line_id": line_id})
        wanted[line_id] = units
    if not wanted:
        raise AfterSalesLineInvalid(_("Name at least one line."))
    found = Order.objects.filter(number=order_number, user=user).only("pk").first()
    if found is None:
        raise AfterSalesOrderNotFound()
    with transaction.atomic():
        order = order_locks.order_lock(found)
        _eligible(order, kind)
        paid_lines = _paid_lines(order)
        by_id = {line.id: line for line in paid_lines}
        unknown = sorted(set(wanted) - set(by_id))
        if unknown:
            raise AfterSalesLineInvalid(extra={"order_line_id": unknown[0]})
        locks.order_requests_lock(order)
        open_lines = set(
            AfterSalesLine.objects.filter(
                request__order=order, is_open=True, order_line_id__in=list(wanted)
            ).values_list("order_line_id", flat=True)
        )
        if open_lines:
            raise AfterSalesLineOpen(extra={"order_line_ids": sorted(open_lines)})
        claimed = _claimed_units(order)
        for line_id, units in wanted.items():
            left = by_id[line_id].quantity - claimed.get(line_id, 0)
            if units > left:
                raise AfterSalesLineInvalid(
                    _("At most %(left)d of this line can be claimed.") % {"left": left},
                    extra={"order_line_id": line_id, "available": left},
                )
        breakdown = refund_breakdown(
            paid_lines,
            total=order.total,
            shipping=order.shipping_amount,
            requested=wanted,
            already=claimed,
        )
        pending = AfterSalesRequest.objects.filter(
            order=order, status__in=AfterSalesRequest.OPEN
        ).aggregate(s=Sum("refund_amount"))["s"]
        left_to_pay = order.total - order.refunded_amount - money(pending)
        if left_to_pay <= 0:
            raise RefundInvalid(extra={"refundable": str(max(left_to_pay, ZERO))})
        amount = min(breakdown.total, left_to_pay)
        request = AfterSalesRequest.objects.create(
            order=order,
            user=user,
            kind=kind,
            reason=reason,
            description=(description or "")[:2000],
            refund_amount=amount,
            shipping_refund=min(breakdown.shipping, amount),
        )
        try:
            with transaction.atomic():
                AfterSalesLine.objects.bulk_create(
                    AfterSalesLine(
                        request=request,
                        order_line_id=line_id,
                        quantity=units,
                        refund_amount=breakdown.lines[line_id],
                    )
                    for line_id, units in sorted(wanted.items())
                )
        except IntegrityError:  # the database's word on "one open request per line"
            raise AfterSalesLineOpen() from None
        for photo in photos:
            AfterSalesPhoto.objects.create(request=request, image=photo)
        note = ""
        if amount < breakdown.total:
            note = _("Capped at %(amount)s, what is left of the payment.") % {"amount": amount}
        _event(request, "", Status.REQUESTED, actor=user, note=note)
    return request


# --- customer moves ----------------------------------------------------------------------------------


@transaction.atomic
def aftersales_request_cancel(
    request: AfterSalesRequest, *, actor: User | None, note: str = ""
) -> AfterSalesRequest:
    _order, request = locks.request_lock(request)
    return _move(request, Status.CANCELLED, actor=actor, note=note)


@transaction.atomic
def aftersales_request_ship_back(
    request: AfterSalesRequest, *, carrier: str, tracking_number: str, actor: User | None
) -> AfterSalesRequest:
    """The customer sent the goods of an approved return back."""
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier or not tracking_number:
        raise ReturnShipmentInvalid()
    _order, request = locks.request_lock(request)
    _check(request, Status.RETURNED)
    request.return_carrier = carrier[:64]
    request.return_tracking_number = tracking_number[:64]
    return _move(
        request,
        Status.RETURNED,
        actor=actor,
        note=f"{carrier} {tracking_number}",
        fields=["return_carrier", "return_tracking_number"],
    )


# --- staff moves -------------------------------------------------------------------------------------


@transaction.atomic
def aftersales_request_approve(
    request: AfterSalesRequest, *, actor: User | None, note: str = ""
) -> AfterSalesRequest:
    _order, request = locks.request_lock(request)
    return _move(request, Status.APPROVED, actor=actor, note=note)


@transaction.atomic
def aftersales_request_reject(
    request: AfterSalesRequest, *, actor: User | None, note: str = ""
) -> AfterSalesRequest:
    _order, request = locks.request_lock(request)
    return _move(request, Status.REJECTED, actor=actor, note=note)


@transaction.atomic
def aftersales_request_close(
    request: AfterSalesRequest, *, actor: User | None = None, note: str = ""
) -> AfterSalesRequest:
    """An approved return the customer never sent back."""
    _order, request = locks.request_lock(request)
    return _move(request, Status.CLOSED, actor=actor, note=note)


@transaction.atomic
def aftersales_request_receive(
    request: AfterSalesRequest,
    *,
    restock: Mapping[int, bool],
    actor: User | None,
    note: str = "",
) -> AfterSalesRequest:
    """Staff confirm the goods came back and choose per order line: restock (one `return` ledger
    row per line, inventory.services.stock_return) or write off. Lines not named are written off."""
    order, request = locks.request_lock(request)
    _check(request, Status.RECEIVED)
    lines = list(request.lines.select_related("order_line").order_by("pk"))
    known = {line.order_line_id for line in lines}
    unknown = sorted(set(restock) - known)
    if unknown:
        raise AfterSalesLineInvalid(extra={"order_line_id": unknown[0]})
    back = []
    for line in lines:
        line.restock = bool(restock.get(line.order_line_id, False))
        line.save(update_fields=["restock"])
        if line.restock:
            back.append((line.order_line, line.quantity))
    stock_return(
        back,
        reference=order.number,
        actor=_actor(actor),
        note=_("After-sales request #%(id)s") % {"id": request.pk},
    )
    return _move(request, Status.RECEIVED, actor=actor, note=note)


# --- refund ------------------------------------------------------------------------------------------


def _refund_reason(request: AfterSalesRequest) -> str:
    return f"after-sales #{request.pk}"


def _refund_target(request: AfterSalesRequest) -> str:
    """The status a request may be refunded from: approved (refund only), received (a return)."""
    return Status.APPROVED if request.kind == Kind.REFUND_ONLY else Status.RECEIVED


def _refund_finish(order: Order, request: AfterSalesRequest, *, actor: User | None) -> None:
    """Under the order and request locks, with the request's refund succeeded: end it refunded.
    Refund only of an order not shipped: the allocation of its units goes back to the shelf (a full
    refund already released everything: the order is `refunded` now)."""
    _move(
        request,
        Status.REFUNDED,
        actor=actor,
        note=_("%(amount)s paid back.") % {"amount": request.refund_amount},
    )
    if request.kind == Kind.REFUND_ONLY and order.status == Order.Status.PROCESSING:
        units = dict(request.lines.values_list("order_line_id", "quantity"))
        stock_release_lines(order, units, actor=_actor(actor))


def aftersales_request_refund(
    request: AfterSalesRequest, *, actor: User | None
) -> AfterSalesRequest:
    """Pay `refund_amount` back through the order's gateway (payments.refund_create: a partial
    refund, never more than paid minus refunded, the order's payment_status follows).

    1. Order and request locked: the move must be legal and no refund of it under way; it is
       marked as started and committed.
    2. No lock held: payments writes the Refund, asks the gateway and settles its answer.
    3. Order and request locked again: succeeded -> `refunded`; pending -> stays, linked to the
       refund (the Beat task finishes it once the gateway settles); failed -> 409 refund_failed,
       and staff may try again.
    """
    busy = False
    with transaction.atomic():
        order, locked = locks.request_lock(request)
        if locked.status != _refund_target(locked):
            _check(locked, Status.REFUNDED)  # raises invalid_transition
            raise InvalidTransition(extra={"from_status": locked.status, "to_status": "refunded"})
        started = locked.refund_started_at
        if started is not None and timezone.now() - started < REFUND_STALE_AFTER:
            raise RefundInProgress()
        # The request's refund, or one a crashed run left behind after payments wrote it (found
        # by its reason): follow it, never pay twice.
        earlier = (
            Refund.objects.filter(pk=locked.refund_id).first()
            if locked.refund_id is not None
            else None
        ) or (
            Refund.objects.filter(payment__order=order, reason=_refund_reason(locked))
            .exclude(status=Refund.Status.FAILED)
            .order_by("-pk")
            .first()
        )
        if earlier is not None and earlier.status != Refund.Status.FAILED:
            locked.refund = earlier
            locked.refund_started_at = None
            locked.save(update_fields=["refund", "refund_started_at", "updated_at"])
            if earlier.status == Refund.Status.SUCCEEDED:
                _refund_finish(order, locked, actor=actor)
                return locked
            busy = True  # pending at the gateway: the link is kept (committed), then 409
        else:
            locked.refund_started_at = timezone.now()
            locked.refund = None
            locked.save(update_fields=["refund_started_at", "refund", "updated_at"])
    if busy:
        raise RefundInProgress()
    try:
        refund = refund_create(
            order, amount=locked.refund_amount, reason=_refund_reason(locked), actor=_actor(actor)
        )
    except Exception:
        with transaction.atomic():
            _order, again = locks.request_lock(locked)
            again.refund_started_at = None
            again.save(update_fields=["refund_started_at", "updated_at"])
        raise
    failed = False
    with transaction.atomic():
        order, locked = locks.request_lock(locked)
        locked.refund = refund
        locked.refund_started_at = None
        locked.save(update_fields=["refund", "refund_started_at", "updated_at"])
        refund.refresh_from_db()
        if refund.status == Refund.Status.SUCCEEDED:
            _refund_finish(order, locked, actor=actor)
        elif refund.status == Refund.Status.FAILED:
            failed = True
            AfterSalesEvent.objects.create(
                request=locked,
                from_status=locked.status,
                to_status=locked.status,
                actor=_actor(actor),
                note=_("The gateway refused refund %(no)s.") % {"no": refund.out_request_no},
            )
    if failed:
        raise RefundFailed()
    return locked


@transaction.atomic
def aftersales_refund_settle(request: AfterSalesRequest) -> AfterSalesRequest:
    """A request whose gateway refund was pending: follow what payments settled since."""
    order, locked = locks.request_lock(request)
    if locked.refund_id is None or locked.status != _refund_target(locked):
        return locked
    refund = Refund.objects.get(pk=locked.refund_id)
    if refund.status == Refund.Status.SUCCEEDED:
        _refund_finish(order, locked, actor=None)
    elif refund.status == Refund.Status.FAILED:
        locked.refund = None
        locked.save(update_fields=["refund", "updated_at"])
        AfterSalesEvent.objects.create(
            request=locked,
            from_status=locked.status,
            to_status=locked.status,
            note=_("The gateway refused refund %(no)s.") % {"no": refund.out_request_no},
        )
    return locked


# --- the Beat task's work ----------------------------------------------------------------------------


def _paid_back_in_full(request: AfterSalesRequest) -> bool:
    order = Order.objects.only("total", "refunded_amount").get(pk=request.order_id)
    return order.total > 0 and order.refunded_amount >= order.total


def aftersales_sweep(*, now: Any = None) -> dict[str, int]:
    """Auto-approve (and pay back) refund-only requests left untouched for AFTER_SALES_AUTO_DAYS
    (rejected instead when staff already paid the whole order back),
    close approved returns not sent back within AFTER_SALES_AUTO_DAYS, and finish requests whose
    pending gateway refund settled. Each request in its own transactions; one failure is logged."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.AFTER_SALES_AUTO_DAYS)
    done: dict[str, int] = defaultdict(int)
    auto_note = _("No answer within %(days)d days.") % {"days": settings.AFTER_SALES_AUTO_DAYS}
    stale_refund_only = AfterSalesRequest.objects.filter(
        kind=Kind.REFUND_ONLY, status=Status.REQUESTED, created_at__lte=cutoff
    ).order_by("pk")
    for request in stale_refund_only:
        try:
            if _paid_back_in_full(request):
                # Staff refunded the whole order meanwhile: approving would leave a request
                # that can never be paid, open for good.
                aftersales_request_reject(
                    request, actor=None, note=_("The order was already paid back in full.")
                )
                done["rejected"] += 1
                continue
            request = aftersales_request_approve(request, actor=None, note=auto_note)
            done["approved"] += 1
            aftersales_request_refund(request, actor=None)
            done["refunded"] += 1
        except Exception:
            logger.exception("aftersales_sweep: auto-approve %s", request.pk)
            done["error"] += 1
    never_sent = AfterSalesRequest.objects.filter(
        kind=Kind.RETURN_AND_REFUND, status=Status.APPROVED, decided_at__lte=cutoff
    ).order_by("pk")
    for request in never_sent:
        try:
            aftersales_request_close(
                request,
                note=_("Not sent back within %(days)d days.")
                % {"days": settings.AFTER_SALES_AUTO_DAYS},
            )
            done["closed"] += 1
        except Exception:
            logger.exception("aftersales_sweep: close %s", request.pk)
            done["error"] += 1
    pending = (
        AfterSalesRequest.objects.filter(refund__isnull=False)
        .exclude(status=Status.REFUNDED)
        .exclude(refund__status=Refund.Status.PENDING)
        .order_by("pk")
    )
    for request in pending:
        try:
            aftersales_refund_settle(request)
            done["settled"] += 1
        except Exception:
            logger.exception("aftersales_sweep: settle %s", request.pk)
            done["error"] += 1
    return dict(done)

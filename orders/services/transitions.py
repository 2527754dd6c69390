"""The order state machine: one function per transition.

The order's life is a state machine (DESIGN.md): each transition is one function here that locks the
order row, checks the move is legal, changes the order and writes an `OrderEvent`. Views, the admin
and Celery tasks all call these functions, so each rule lives here once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.cache import catalog_cache_invalidate
from catalog.models import Product
from catalog.suggestions import behaviour_record
from core.money import money
from core.transactions import on_commit_robust
from inventory.services import stock_release, stock_ship
from orders import locks
from orders.exceptions import (
    AmountMismatch,
    InvalidTransition,
    OrderNotPayable,
    RefundInvalid,
    ShipmentInvalid,
)
from orders.models import (
    Order,
    OrderEvent,
    Shipment,
)
from orders.services.notifications import order_email_on_commit
from promotions.services import coupon_restore

if TYPE_CHECKING:
    from accounts.models import User

Status = Order.Status
PaymentStatus = Order.PaymentStatus

# The legal moves of the order state machine (DESIGN.md). Anything else is `invalid_transition`.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.PROCESSING, Status.CANCELLED}),
    Status.PROCESSING: frozenset({Status.SHIPPED, Status.CANCELLED, Status.REFUNDED}),
    Status.SHIPPED: frozenset({Status.DELIVERED, Status.REFUNDED}),
    Status.DELIVERED: frozenset({Status.REFUNDED}),
    Status.CANCELLED: frozenset(),
    Status.REFUNDED: frozenset(),
}


def order_event_write(
    order: Order,
    from_status: str,
    to_status: str,
    *,
    actor: User | None = None,
    note: str = "",
    kind: str = OrderEvent.Kind.STATUS,
) -> OrderEvent:
    """One OrderEvent row: every status or payment change of an order is recorded with who acted
    (an anonymous actor, such as a task, is recorded as nobody)."""
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        note=str(note)[:500],
    )


def _check_transition(order: Order, to_status: str) -> None:
    if to_status not in TRANSITIONS[order.status]:
        raise InvalidTransition(
            _("An order that is %(from)s cannot become %(to)s.")
            % {"from": order.get_status_display(), "to": Status(to_status).label},
            extra={"from_status": order.status, "to_status": str(to_status)},
        )


def _move(order: Order, to_status: str, *, actor: User | None = None, note: str = "") -> None:
    _check_transition(order, to_status)
    from_status = order.status
    order.status = to_status
    order_event_write(order, from_status, to_status, actor=actor, note=note)


def _pay_move(order: Order, to_status: str, *, actor: User | None = None, note: str = "") -> None:
    from_status = order.payment_status
    order.payment_status = to_status
    order_event_write(
        order, from_status, to_status, actor=actor, note=note, kind=OrderEvent.Kind.PAYMENT
    )


def _is_paid(order: Order) -> bool:
    return order.payment_status in (
        PaymentStatus.PAID,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
    )


@transaction.atomic
def order_cancel(order: Order, *, actor: User | None = None, reason: str = "") -> Order:
    """Cancel a pending or paid-but-unshipped order: stock goes back on the shelf.

    An unpaid order also gives its coupon back. A paid order's money is returned by the payments
    app (a refund through the gateway); here we only record that it is owed.
    """
    order = locks.order_lock(order)
    _check_transition(order, Status.CANCELLED)
    paid = _is_paid(order)
    _move(order, Status.CANCELLED, actor=actor, note=reason)
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    stock_release(order, actor=actor)
    if paid:
        order_event_write(
            order,
            "",
            "refund_due",
            actor=actor,
            note=_("Paid order cancelled: %(amount)s to refund through the payment gateway.")
            % {"amount": order.total - order.refunded_amount},
            kind=OrderEvent.Kind.NOTE,
        )
    else:
        coupon_restore(order)
    order_email_on_commit(order, "cancelled")
    return order


@transaction.atomic
def order_expire(order: Order) -> Order:
    """Cancel an unpaid order whose payment time ran out. Does nothing to any other order.

    Called by the Beat task; a payment racing it is decided by the row lock: if the payment
    committed first, the order is no longer pending and stays as it is.
    """
    order = locks.order_lock(order)
    if order.status != Status.PENDING or order.expires_at is None:
        return order
    if order.expires_at > timezone.now():
        return order
    _move(order, Status.CANCELLED, note=_("Payment time ran out."))
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    stock_release(order)
    coupon_restore(order)
    order_email_on_commit(order, "cancelled")
    return order


@transaction.atomic
def order_mark_paid(
    order: Order,
    *,
    gateway: str,
    transaction_id: str = "",
    amount: Decimal | None = None,
    actor: User | None = None,
) -> Order:
    """Record a confirmed payment: pending -> processing, payment_status -> paid.

    Idempotent: a repeated confirmation of a paid order changes nothing. A payment for an order that
    was cancelled meanwhile raises `order_not_payable`, so the payments app can refund it.
    """
    order = locks.order_lock(order)
    if _is_paid(order):
        return order
    if order.status != Status.PENDING:
        raise OrderNotPayable(extra={"status": order.status})
    if amount is not None and money(amount) != order.total:
        raise AmountMismatch(extra={"expected": str(order.total), "received": str(money(amount))})
    note = f"{gateway} {transaction_id}".strip()
    _move(order, Status.PROCESSING, actor=actor, note=note)
    _pay_move(order, PaymentStatus.PAID, actor=actor, note=note)
    order.paid_at = timezone.now()
    if gateway:
        order.payment_method = gateway[:16]
    order.save(
        update_fields=["status", "payment_status", "paid_at", "payment_method", "updated_at"]
    )
    order_email_on_commit(order, "paid")
    # What was bought feeds the recommendations (buffered there: no write here).
    on_commit_robust(
        _purchase_record, list(order.lines.values_list("product_id", flat=True)), order.user
    )
    return order


def _purchase_record(product_ids: list[int], user: User | None) -> None:
    behaviour_record("purchase", [pk for pk in product_ids if pk is not None], user=user)


@transaction.atomic
def order_ship(
    order: Order, *, carrier: str, tracking_number: str, actor: User | None = None
) -> Order:
    """Hand a paid order to a carrier: stock leaves the warehouse and counts as sold."""
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier or not tracking_number:
        raise ShipmentInvalid()
    order = locks.order_lock(order)
    _move(order, Status.SHIPPED, actor=actor, note=f"{carrier} {tracking_number}")
    order.shipped_at = timezone.now()
    order.save(update_fields=["status", "shipped_at", "updated_at"])
    Shipment.objects.create(
        order=order, carrier=carrier[:64], tracking_number=tracking_number[:64], shipped_by=actor
    )
    stock_ship(order, actor=actor)
    sold: dict[int, int] = defaultdict(int)
    for product_id, quantity in order.lines.values_list("product_id", "quantity"):
        if product_id is not None:
            sold[product_id] += quantity
    # One UPDATE per product in pk order: the project's lock order. Following the order's line order
    # instead deadlocks two shipments that list the same products the other way round; a single
    # UPDATE ... WHERE id IN (...) would lock in whatever order the plan visits the rows.
    product_ids = sorted(sold)
    for product_id in product_ids:
        Product.objects.filter(pk=product_id).update(
            sales_count=F("sales_count") + sold[product_id]
        )
    transaction.on_commit(lambda: catalog_cache_invalidate(product_ids), robust=True)
    order_email_on_commit(order, "shipped")
    return order


@transaction.atomic
def order_deliver(order: Order, *, actor: User | None = None, note: str = "") -> Order:
    """Confirm receipt (by the buyer, or automatically N days after shipment)."""
    order = locks.order_lock(order)
    _move(order, Status.DELIVERED, actor=actor, note=note)
    order.delivered_at = timezone.now()
    order.save(update_fields=["status", "delivered_at", "updated_at"])
    return order


@transaction.atomic
def order_refund(
    order: Order, *, amount: Decimal, reason: str = "", actor: User | None = None
) -> Order:
    """Record money given back. The full amount ends the order as `refunded`; less is partial.

    A full refund before shipment puts the allocated stock back; after shipment goods come back
    only when staff restock them (inventory), never automatically. A paid order that was
    cancelled (its stock already released) keeps status `cancelled`: only its payment status
    and refunded amount change, which is how the payments app settles the refund it owes.
    """
    order = locks.order_lock(order)
    refundable_status = order.status in (
        Status.PROCESSING,
        Status.SHIPPED,
        Status.DELIVERED,
        Status.CANCELLED,
    )
    if not refundable_status or not _is_paid(order):
        raise InvalidTransition(
            _("Only a paid order can be refunded."),
            extra={"from_status": order.status, "to_status": Status.REFUNDED.value},
        )
    try:
        amount = money(Decimal(amount))
    except (ArithmeticError, TypeError, ValueError):
        raise RefundInvalid() from None
    refundable = order.total - order.refunded_amount
    if amount <= 0 or amount > refundable:
        raise RefundInvalid(
            _("The refund must be more than 0 and at most %(max)s.") % {"max": refundable},
            extra={"refundable": str(refundable)},
        )
    order.refunded_amount = order.refunded_amount + amount
    note = f"{amount} {reason}".strip()
    full = order.refunded_amount == order.total
    release = False
    if full and order.status == Status.CANCELLED:
        _pay_move(order, PaymentStatus.REFUNDED, actor=actor, note=note)
    elif full:
        release = order.status == Status.PROCESSING
        _move(order, Status.REFUNDED, actor=actor, note=note)
        _pay_move(order, PaymentStatus.REFUNDED, actor=actor, note=note)
    else:
        _pay_move(order, PaymentStatus.PARTIALLY_REFUNDED, actor=actor, note=note)
    order.save(update_fields=["status", "payment_status", "refunded_amount", "updated_at"])
    if release:
        stock_release(order, actor=actor)
    return order


# --- Refunds through the gateway (calling up: docs/architecture.md) --------------------------------

# Money goes back through the gateway that took it, which is the payments app's business; payments
# sits above orders, so it plugs its refund in at start-up (payments.apps) and staff's refund
# endpoint and admin action reach it through order_refund_request. order_refund above is what the
# payments app calls once the gateway confirmed the refund.
RefundThroughGateway = Callable[..., Order]
_refund_through_gateway: list[RefundThroughGateway] = []


def order_refund_gateway_register(refund: RefundThroughGateway) -> None:
    """Install the refund that goes through the payment gateway (one; a second replaces it)."""
    _refund_through_gateway[:] = [refund]


def order_refund_request(
    order: Order, *, amount: Decimal, reason: str = "", actor: User | None = None
) -> Order:
    """Staff asks to give money back: through the gateway that took the payment. Without a
    registered gateway refund it is refused: money is never recorded as returned when nobody
    returned it."""
    if not _refund_through_gateway:
        raise RefundInvalid(_("Refunds go through the payment gateway, and none is installed."))
    return _refund_through_gateway[0](order, amount=amount, reason=reason, actor=actor)

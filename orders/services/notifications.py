"""Mail to the buyer about their order: queued on commit, sent at most once per kind."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from orders.models import (
    Order,
    OrderNotification,
)


def order_email_on_commit(order: Order, kind: str) -> None:
    """Queue the buyer's mail about `kind` once the order's transaction committed (never for a
    rolled-back order)."""
    from orders.tasks import order_email_send

    order_id = order.pk
    # robust: a mail server failure after commit must not turn a placed order into an error page.
    transaction.on_commit(lambda: order_email_send.delay(order_id, kind), robust=True)


def order_notification_send(order: Order, *, kind: str) -> bool:
    """Mail the buyer about `kind` (placed, paid, ...) once, however often the task runs.

    Tasks are acknowledged late, so a worker crash or a retry runs the same task again. The
    (order, kind) row is locked while the mail goes out, so a concurrent run waits and then sees it
    sent; `sent_at` is written only after the mail left, so a failed send leaves it unsent and the
    retry sends it. (A crash between the mail leaving and the commit still sends twice: mail is
    at-least-once.) Returns whether a mail was sent now.
    """
    from orders.emails import KINDS, order_email_send

    if kind not in KINDS or not order.user.email:
        return False
    with transaction.atomic():
        # A concurrent first run's insert makes ours fail on the unique constraint once it
        # commits; get_or_create catches that IntegrityError (in its own savepoint) and reads the row.
        notification, _created = OrderNotification.objects.get_or_create(order=order, kind=kind)
        notification = OrderNotification.objects.select_for_update().get(pk=notification.pk)
        if notification.sent_at is not None:
            return False
        sent = order_email_send(order, kind)
        if sent:
            notification.sent_at = timezone.now()
            notification.save(update_fields=["sent_at"])
    return sent

"""Celery tasks of orders: thin, idempotent wrappers around orders.services.

Each order is handled in its own transaction (the service's), so one bad order cannot block the
batch, and running a task twice does no harm: the services skip orders that already moved on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from orders.exceptions import InvalidTransition
from orders.models import Order

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


def _batches(queryset: QuerySet[Order]) -> Iterator[list[int]]:
    """Yield pks in pk order, a batch at a time, so work always moves forward even when some
    orders are skipped by the service."""
    batch_size = BATCH_SIZE  # read per run, not frozen at import (a test lowers it)
    last_pk = 0
    while True:
        pks = list(
            queryset.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not pks:
            return
        yield pks
        last_pk = pks[-1]


@shared_task
def orders_expire() -> int:
    """Cancel unpaid orders whose payment time ran out; returns how many were cancelled."""
    from orders.services import order_expire

    due = Order.objects.filter(status=Order.Status.PENDING, expires_at__lte=timezone.now())
    cancelled = 0
    for pks in _batches(due):
        for order in Order.objects.filter(pk__in=pks).order_by("pk"):
            if order_expire(order).status == Order.Status.CANCELLED:
                cancelled += 1
    if cancelled:
        logger.info("orders_expire: cancelled %d unpaid orders", cancelled)
    return cancelled


@shared_task
def orders_auto_confirm() -> int:
    """Confirm receipt of orders shipped ORDER_AUTO_CONFIRM_DAYS ago that the buyer never confirmed."""
    from orders.services import order_deliver

    cutoff = timezone.now() - timedelta(days=settings.ORDER_AUTO_CONFIRM_DAYS)
    due = Order.objects.filter(status=Order.Status.SHIPPED, shipped_at__lte=cutoff)
    delivered = 0
    for pks in _batches(due):
        for order in Order.objects.filter(pk__in=pks).order_by("pk"):
            try:
                order_deliver(order, note="auto-confirmed")
            except InvalidTransition:
                continue  # the buyer confirmed (or staff refunded) in the meantime
            delivered += 1
    return delivered


@shared_task(reads_primary=True)  # the order its commit just wrote (core.db)
def order_email_send(order_id: int, kind: str) -> bool:
    """Mail the buyer about their order (placed, paid, shipped, cancelled), once per kind."""
    from orders.services import order_notification_send

    order = Order.objects.select_related("user").filter(pk=order_id).first()
    if order is None:
        return False
    return order_notification_send(order, kind=kind)


@shared_task
def carts_purge() -> int:
    """Delete abandoned guest carts (daily); returns how many."""
    from orders.services import carts_purge_abandoned

    purged = carts_purge_abandoned()
    if purged:
        logger.info("carts_purge: deleted %d abandoned guest carts", purged)
    return purged

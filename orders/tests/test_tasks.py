from datetime import timedelta

import pytest
from django.utils import timezone

from orders import services, tasks
from orders.models import Order, OrderEvent
from orders.tests.helpers import at_status, stock_of
from promotions.models import UserCoupon

pytestmark = pytest.mark.django_db


def overdue(order, minutes=1):
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=minutes))


def test_expiry_cancels_releases_stock_and_returns_coupon(user, variant, make_coupon, place):
    coupon = make_coupon(user)
    due = place(user, (variant, 3), coupon_code=coupon.template.code)
    not_yet = place(user, (variant, 1))
    paid = at_status(place(user, (variant, 2)), "processing")
    overdue(due)
    overdue(paid)
    assert stock_of(variant).quantity_allocated == 6

    assert tasks.orders_expire() == 1

    due.refresh_from_db()
    assert (due.status, due.payment_status) == ("cancelled", "pending")
    assert due.cancelled_at is not None
    assert stock_of(variant).quantity_allocated == 3  # not_yet (1) + paid (2)
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (UserCoupon.Status.UNUSED, None)
    event = due.events.last()
    assert (event.from_status, event.to_status, event.actor) == ("pending", "cancelled", None)
    assert Order.objects.get(pk=not_yet.pk).status == "pending"
    assert Order.objects.get(pk=paid.pk).status == "processing"

    # A second run (Beat fires again, or a retry) changes nothing.
    events = OrderEvent.objects.count()
    assert tasks.orders_expire() == 0
    assert OrderEvent.objects.count() == events
    assert stock_of(variant).quantity_allocated == 3


def test_expire_service_ignores_orders_not_due(user, variant, place):
    order = place(user, (variant, 1))
    assert services.order_expire(order).status == "pending"
    paid = at_status(place(user, (variant, 1)), "processing")
    overdue(paid)
    assert services.order_expire(paid).status == "processing"
    assert stock_of(variant).quantity_allocated == 2


def test_expiry_works_in_batches(monkeypatch, user, make_variant, place):
    monkeypatch.setattr(tasks, "BATCH_SIZE", 2)
    batches = []
    real_batches = tasks._batches

    def recorded(queryset):
        for pks in real_batches(queryset):
            batches.append(pks)
            yield pks

    monkeypatch.setattr(tasks, "_batches", recorded)
    variant = make_variant(stock=10)
    orders = [place(user, (variant, 1)) for _ in range(5)]
    for order in orders:
        overdue(order)
    assert tasks.orders_expire() == 5
    assert [len(pks) for pks in batches] == [2, 2, 1]
    assert stock_of(variant).quantity_allocated == 0


def test_auto_confirm_receipt(settings, user, variant, place):
    settings.ORDER_AUTO_CONFIRM_DAYS = 10
    old = at_status(place(user, (variant, 1)), "shipped")
    recent = at_status(place(user, (variant, 1)), "shipped")
    Order.objects.filter(pk=old.pk).update(shipped_at=timezone.now() - timedelta(days=10, hours=1))
    Order.objects.filter(pk=recent.pk).update(shipped_at=timezone.now() - timedelta(days=9))

    assert tasks.orders_auto_confirm() == 1
    old.refresh_from_db()
    assert (old.status, old.delivered_at is not None) == ("delivered", True)
    assert old.events.last().note == "auto-confirmed"
    assert Order.objects.get(pk=recent.pk).status == "shipped"
    assert tasks.orders_auto_confirm() == 0

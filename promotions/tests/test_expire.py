from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from orders.tests.factories import OrderFactory
from promotions import tasks
from promotions.models import UserCoupon
from promotions.services import coupons_expire
from promotions.tests.factories import CouponTemplateFactory, UserCouponFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended_template():
    now = timezone.now()
    return CouponTemplateFactory(
        valid_from=now - timedelta(days=10), valid_to=now - timedelta(seconds=1)
    )


def test_expires_only_unused_coupons_past_validity(ended_template):
    stale = UserCouponFactory.create_batch(2, template=ended_template)
    used = UserCouponFactory(
        template=ended_template,
        status=UserCoupon.Status.USED,
        used_at=timezone.now(),
        order=OrderFactory(),
    )
    current = UserCouponFactory(template=CouponTemplateFactory())

    assert coupons_expire() == 2
    assert coupons_expire() == 0  # idempotent

    for coupon in stale:
        coupon.refresh_from_db()
        assert coupon.status == UserCoupon.Status.EXPIRED
    used.refresh_from_db()
    current.refresh_from_db()
    assert used.status == UserCoupon.Status.USED
    assert used.order is not None
    assert current.status == UserCoupon.Status.UNUSED


def test_celery_task_runs_the_service(ended_template):
    coupon = UserCouponFactory(template=ended_template)

    assert tasks.coupons_expire.apply().get() == 1

    coupon.refresh_from_db()
    assert coupon.status == UserCoupon.Status.EXPIRED


def test_task_is_scheduled_by_beat():
    tasks_scheduled = {entry["task"] for entry in settings.PERIODIC_TASKS.values()}
    assert "promotions.tasks.coupons_expire" in tasks_scheduled

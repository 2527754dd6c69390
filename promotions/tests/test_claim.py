"""coupon_claim: never more than total_quantity, never more than the per-user limit."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from promotions.exceptions import (
    CouponLimitReached,
    CouponNotClaimable,
    CouponSoldOut,
)
from promotions.models import CouponTemplate, UserCoupon
from promotions.services import coupon_claim
from promotions.tests.factories import CouponTemplateFactory


@pytest.mark.django_db
def test_claim_issues_an_unused_coupon_and_counts_it(user):
    tpl = CouponTemplateFactory(total_quantity=5)

    coupon = coupon_claim(user, template=tpl)

    assert coupon.user == user
    assert coupon.status == UserCoupon.Status.UNUSED
    tpl.refresh_from_db()
    assert tpl.claimed_count == 1


@pytest.mark.django_db
def test_per_user_limit(user):
    tpl = CouponTemplateFactory(per_user_limit=2, total_quantity=10)
    coupon_claim(user, template=tpl)
    coupon_claim(user, template=tpl)

    with pytest.raises(CouponLimitReached) as excinfo:
        coupon_claim(user, template=tpl)
    assert (excinfo.value.code, excinfo.value.status_code) == ("coupon_limit_reached", 409)
    assert UserCoupon.objects.filter(user=user, template=tpl).count() == 2
    tpl.refresh_from_db()
    assert tpl.claimed_count == 2


@pytest.mark.django_db
def test_used_coupons_count_toward_the_limit(user):
    tpl = CouponTemplateFactory(per_user_limit=1)
    coupon = coupon_claim(user, template=tpl)
    coupon.status = UserCoupon.Status.USED
    coupon.used_at = timezone.now()
    coupon.save()

    with pytest.raises(CouponLimitReached):
        coupon_claim(user, template=tpl)


@pytest.mark.django_db
def test_sold_out(user, other_user):
    tpl = CouponTemplateFactory(total_quantity=1)
    coupon_claim(other_user, template=tpl)

    with pytest.raises(CouponSoldOut) as excinfo:
        coupon_claim(user, template=tpl)
    assert (excinfo.value.code, excinfo.value.status_code) == ("coupon_sold_out", 409)
    tpl.refresh_from_db()
    assert tpl.claimed_count == 1
    assert not UserCoupon.objects.filter(user=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"is_active": False},
        {"valid_from": timezone.now() + timedelta(days=1)},
        {"valid_from": timezone.now() - timedelta(days=9), "valid_to": timezone.now()},
    ],
    ids=["inactive", "not-started", "ended"],
)
def test_not_claimable(user, changes):
    tpl = CouponTemplateFactory(**changes)

    with pytest.raises(CouponNotClaimable) as excinfo:
        coupon_claim(user, template=tpl)
    assert (excinfo.value.code, excinfo.value.status_code) == ("coupon_not_claimable", 409)
    assert CouponTemplate.objects.get(pk=tpl.pk).claimed_count == 0


def _race(template_id: int, user_ids: list[int]) -> list[str]:
    """Every user id claims at the same moment from its own thread and connection."""
    barrier = threading.Barrier(len(user_ids))
    outcomes: list[str] = []
    lock = threading.Lock()
    template = CouponTemplate.objects.get(pk=template_id)

    def claim(user_id):
        try:
            user = UserFactory._meta.model.objects.get(pk=user_id)
            barrier.wait(timeout=10)
            try:
                coupon_claim(user, template=template)
                outcome = "ok"
            except (CouponSoldOut, CouponLimitReached) as exc:
                outcome = exc.code
            except Exception as exc:  # e.g. an IntegrityError: shown in the failing assert
                outcome = repr(exc)
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(outcomes) == len(user_ids), "a thread hung"
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_of_the_last_coupons():
    tpl = CouponTemplateFactory(total_quantity=3)
    users = UserFactory.create_batch(20)

    outcomes = _race(tpl.pk, [u.pk for u in users])

    assert outcomes.count("ok") == 3
    assert outcomes.count("coupon_sold_out") == 17
    tpl.refresh_from_db()
    assert tpl.claimed_count == 3
    assert UserCoupon.objects.filter(template=tpl).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_user_racing_itself_gets_one_coupon():
    tpl = CouponTemplateFactory(total_quantity=50, per_user_limit=1)
    user = UserFactory()

    outcomes = _race(tpl.pk, [user.pk] * 10)

    assert outcomes.count("ok") == 1
    assert outcomes.count("coupon_limit_reached") == 9
    assert UserCoupon.objects.filter(template=tpl, user=user).count() == 1
    tpl.refresh_from_db()
    assert tpl.claimed_count == 1

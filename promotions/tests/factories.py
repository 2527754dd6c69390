from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from promotions.models import CouponTemplate, UserCoupon


class CouponTemplateFactory(factory.django.DjangoModelFactory):
    """A fixed 10.00 off, valid from a day ago for 30 days, 100 coupons, one per user."""

    class Meta:
        model = CouponTemplate

    name = factory.Sequence(lambda n: f"Coupon {n}")
    code = factory.Sequence(lambda n: f"CODE{n:04d}")
    kind = CouponTemplate.Kind.FIXED
    value = Decimal("10.00")
    min_spend = Decimal("0.00")
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    valid_to = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    total_quantity = 100
    per_user_limit = 1


class UserCouponFactory(factory.django.DjangoModelFactory):
    """A coupon handed out directly (tests of claiming go through coupon_claim instead)."""

    class Meta:
        model = UserCoupon

    user = factory.SubFactory(UserFactory)
    template = factory.SubFactory(CouponTemplateFactory)

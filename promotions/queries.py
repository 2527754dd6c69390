"""Reads of coupons for the API and pages."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from promotions.models import CouponTemplate, UserCoupon

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def coupon_templates_claimable(
    user: User | AnonymousUser | None = None, *, now: datetime | None = None
) -> QuerySet[CouponTemplate]:
    """Templates that can be claimed now: active, inside their validity, not sold out, and, for a
    signed-in user, not yet held as many times as the per-user limit allows."""
    now = now or timezone.now()
    qs = (
        CouponTemplate.objects.filter(
            is_active=True,
            valid_from__lte=now,
            valid_to__gt=now,
            claimed_count__lt=F("total_quantity"),
        )
        .select_related("category")
        .annotate(remaining=F("total_quantity") - F("claimed_count"))
        .order_by("valid_to", "pk")
    )
    if user is not None and user.is_authenticated:
        held = (
            UserCoupon.objects.filter(user=user, template=OuterRef("pk"))
            .order_by()
            .values("template")
            .annotate(n=Count("pk"))
            .values("n")
        )
        qs = qs.annotate(
            held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0))
        ).filter(held__lt=F("per_user_limit"))
    return qs


def user_coupons(
    user: User, *, status: str | None = None, now: datetime | None = None
) -> QuerySet[UserCoupon]:
    """The user's coupons, newest first, with `current` status: an unused coupon past its
    template's end counts as expired even before coupons_expire has run."""
    now = now or timezone.now()
    qs = (
        UserCoupon.objects.filter(user=user)
        .select_related("template", "template__category", "order")
        .annotate(
            current=Case(
                When(
                    Q(status=UserCoupon.Status.UNUSED, template__valid_to__lte=now),
                    then=Value(UserCoupon.Status.EXPIRED),
                ),
                default=F("status"),
                output_field=CharField(),
            )
        )
        .order_by("-claimed_at", "-pk")
    )
    if status:
        qs = qs.filter(current=status)
    return qs


def coupon_templates_with_counts() -> QuerySet[CouponTemplate]:
    """Templates with how many of their coupons were used, for the admin: one query per page."""
    return CouponTemplate.objects.select_related("category").annotate(
        used_count=Count("issued", filter=Q(issued__status=UserCoupon.Status.USED)),
    )

"""Coupons: claiming, quoting at checkout, redeeming with an order and giving back.

The orders app calls `coupon_quote` while pricing a checkout, `coupon_redeem` inside the order's
transaction, and `coupon_restore` when an unpaid order is cancelled or expires (contracts.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.queries import category_descendant_ids
from core.money import ZERO, money
from promotions import locks
from promotions.exceptions import (
    CouponExpired,
    CouponLimitReached,
    CouponMinSpend,
    CouponNotApplicable,
    CouponNotClaimable,
    CouponNotFound,
    CouponNotStarted,
    CouponSoldOut,
    CouponUsed,
)
from promotions.models import CouponTemplate, UserCoupon
from promotions.protocols import CouponOrder

if TYPE_CHECKING:
    from accounts.models import User

__all__ = [
    "CouponLine",
    "CouponQuote",
    "coupon_claim",
    "coupon_quote",
    "coupon_redeem",
    "coupon_restore",
    "coupons_expire",
]


@dataclass(frozen=True)
class CouponLine:
    """A priced cart or order line: what the coupon may discount."""

    category_id: int
    amount: Decimal


@dataclass(frozen=True)
class CouponQuote:
    user_coupon: UserCoupon
    discount: Decimal


def coupon_discount(template: CouponTemplate, *, eligible: Decimal) -> Decimal:
    """The discount on an eligible amount, to the cent and never more than that amount."""
    if template.kind == CouponTemplate.Kind.FIXED:
        discount = template.value
    else:
        discount = eligible * template.value / Decimal(100)
        if template.max_discount is not None:
            discount = min(discount, template.max_discount)
    return max(ZERO, min(money(discount), money(eligible)))


def _eligible_amount(template: CouponTemplate, lines: Iterable[CouponLine]) -> Decimal | None:
    """Sum of the lines the coupon applies to, or None when no line qualifies."""
    lines = list(lines)
    if template.category_id is not None:
        allowed = category_descendant_ids(template.category_id)
        lines = [line for line in lines if line.category_id in allowed]
    if not lines:
        return None
    return sum((Decimal(line.amount) for line in lines), ZERO)


def _check_validity(template: CouponTemplate, at: datetime) -> None:
    # valid_to is exclusive, like coupons_expire which expires at valid_to.
    if at < template.valid_from:
        raise CouponNotStarted()
    if at >= template.valid_to:
        raise CouponExpired()


def coupon_quote(
    user: User, *, code: str, lines: Sequence[CouponLine], at: datetime | None = None
) -> CouponQuote:
    """Check that `user` may apply `code` to `lines` now and compute the discount.

    Read-only and unlocked: checkout calls it to price the order, then `coupon_redeem` locks and
    re-checks inside the order's transaction, so a quote can never be spent twice.
    """
    at = at or timezone.now()
    code = (code or "").strip()
    if not code or user is None or not user.is_authenticated:
        raise CouponNotFound()

    held = list(
        UserCoupon.objects.filter(user=user, template__code__iexact=code, template__is_active=True)
        .select_related("template")
        .order_by("claimed_at", "pk")
    )
    if not held:
        raise CouponNotFound()
    unused = [c for c in held if c.status == UserCoupon.Status.UNUSED]
    if not unused:
        if any(c.status == UserCoupon.Status.USED for c in held):
            raise CouponUsed()
        raise CouponExpired()
    # The oldest unused one: if several were claimed, spend the one held longest first.
    user_coupon = unused[0]
    template = user_coupon.template
    _check_validity(template, at)

    eligible = _eligible_amount(template, lines)
    if eligible is None or eligible <= 0:
        raise CouponNotApplicable()
    if eligible < template.min_spend:
        raise CouponMinSpend(extra={"min_spend": f"{template.min_spend:.2f}"})
    return CouponQuote(
        user_coupon=user_coupon, discount=coupon_discount(template, eligible=eligible)
    )


@transaction.atomic
def coupon_redeem(quote: CouponQuote, *, order: CouponOrder) -> UserCoupon:
    """Mark the quoted coupon used by `order`.

    Called inside the order's transaction: the row lock makes two checkouts racing with the same
    coupon end with one order holding it and the other rolled back with `coupon_used`.
    """
    user_coupon = locks.user_coupon_lock(quote.user_coupon.pk)
    if user_coupon.user_id != order.user_id:
        # A quote is personal: it can never pay for someone else's order.
        raise CouponNotFound()
    if user_coupon.status != UserCoupon.Status.UNUSED:
        raise CouponUsed()
    user_coupon.status = UserCoupon.Status.USED
    user_coupon.used_at = timezone.now()
    user_coupon.order_id = order.pk
    user_coupon.save(update_fields=["status", "used_at", "order"])
    return user_coupon


@transaction.atomic
def coupon_restore(order: CouponOrder) -> None:
    """Give back the coupon of a cancelled or expired unpaid order.

    It becomes unused again while its template is still valid, otherwise expired. Idempotent: a
    second call finds no used coupon on the order. Whether the order may get its coupon back (it
    was never paid) is for the orders app to decide before calling.
    """
    now = timezone.now()
    coupons = locks.order_coupons_lock(order.pk)
    for user_coupon in coupons:
        still_valid = now < user_coupon.template.valid_to
        user_coupon.status = UserCoupon.Status.UNUSED if still_valid else UserCoupon.Status.EXPIRED
        user_coupon.used_at = None
        user_coupon.order_id = None
        user_coupon.save(update_fields=["status", "used_at", "order"])


@transaction.atomic
def coupon_claim(user: User, *, template: CouponTemplate) -> UserCoupon:
    """Issue one coupon of `template` to `user`.

    The template row is locked for the whole claim, so concurrent claims of the same template run
    one after another: neither total_quantity nor the per-user limit can be overrun by a race.
    """
    now = timezone.now()
    locked = locks.coupon_template_lock(template.pk)
    if not locked.is_active or not (locked.valid_from <= now < locked.valid_to):
        raise CouponNotClaimable()
    if locked.claimed_count >= locked.total_quantity:
        raise CouponSoldOut()
    held = UserCoupon.objects.filter(user=user, template=locked).count()
    if held >= locked.per_user_limit:
        raise CouponLimitReached()

    user_coupon = UserCoupon.objects.create(user=user, template=locked)
    CouponTemplate.objects.filter(pk=locked.pk).update(claimed_count=F("claimed_count") + 1)
    template.claimed_count = locked.claimed_count + 1
    user_coupon.template = template
    return user_coupon


def coupons_expire(*, now: datetime | None = None) -> int:
    """Mark unused coupons whose template ended as expired; returns how many. A single UPDATE:
    on PostgreSQL it waits for a coupon being redeemed right now and then skips it (no longer
    unused), so expiry never overwrites a redemption."""
    now = now or timezone.now()
    return UserCoupon.objects.filter(
        status=UserCoupon.Status.UNUSED, template__valid_to__lte=now
    ).update(status=UserCoupon.Status.EXPIRED)

"""Why a coupon cannot be applied or claimed. Codes are part of the API contract (contracts.md)."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import Conflict, DomainError


class CouponNotFound(DomainError):
    code = "coupon_not_found"
    default_detail = _("You do not hold a coupon with this code.")


class CouponExpired(DomainError):
    code = "coupon_expired"
    default_detail = _("This coupon has expired.")


class CouponNotStarted(DomainError):
    code = "coupon_not_started"
    default_detail = _("This coupon cannot be used yet.")


class CouponMinSpend(DomainError):
    code = "coupon_min_spend"
    default_detail = _("The order does not reach the coupon's minimum spend.")


class CouponNotApplicable(DomainError):
    code = "coupon_not_applicable"
    default_detail = _("This coupon does not apply to any item of the order.")


class CouponUsed(Conflict):
    code = "coupon_used"
    default_detail = _("This coupon has already been used.")


class CouponNotClaimable(Conflict):
    """Inactive template or outside its validity: 409 because the request is well formed and the
    template exists, it is its current state that refuses."""

    code = "coupon_not_claimable"
    default_detail = _("This coupon cannot be claimed now.")


class CouponSoldOut(Conflict):
    code = "coupon_sold_out"
    default_detail = _("All coupons of this kind have been claimed.")


class CouponLimitReached(Conflict):
    code = "coupon_limit_reached"
    default_detail = _("You already hold as many of these coupons as allowed.")

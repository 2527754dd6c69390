"""Row locks of the promotions app, in one place. The project-wide lock order
(docs/architecture.md): cart -> order -> stock rows in pk order -> allocations -> coupon -> product.
"Coupon" is a user's coupon (redeem, restore) or a coupon template (claim); no path takes both."""

from __future__ import annotations

from promotions.models import CouponTemplate, UserCoupon


def user_coupon_lock(pk: int) -> UserCoupon:
    """One user coupon under a row lock: two checkouts redeeming it queue up, the second sees it
    used."""
    return UserCoupon.objects.select_for_update().get(pk=pk)


def order_coupons_lock(order_id: int) -> list[UserCoupon]:
    """The coupons an order used, locked in pk order (to give them back). By the order's id:
    promotions sits below orders and never imports it (docs/architecture.md)."""
    return list(
        UserCoupon.objects.select_for_update()
        .filter(order_id=order_id, status=UserCoupon.Status.USED)
        .select_related("template")
        .order_by("pk")
    )


def coupon_template_lock(pk: int) -> CouponTemplate:
    """A coupon template under a row lock for a whole claim: its counts cannot be overrun."""
    return CouponTemplate.objects.select_for_update().get(pk=pk)

"""What promotions reads of the order a coupon pays for, as a Protocol: promotions sits below orders
and never imports it (docs/architecture.md). An orders.Order satisfies it as it is; the
UserCoupon.order foreign key stays a string reference ("orders.Order")."""

from __future__ import annotations

from typing import Protocol


class CouponOrder(Protocol):
    """The order that uses (or gives back) a coupon."""

    @property
    def pk(self) -> int: ...

    @property
    def user_id(self) -> int: ...

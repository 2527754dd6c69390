"""coupon_redeem and coupon_restore: a coupon is spent once and given back by a dead order."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from orders.tests.factories import OrderFactory
from promotions.exceptions import CouponNotFound, CouponUsed
from promotions.models import UserCoupon
from promotions.services import CouponLine, coupon_quote, coupon_redeem, coupon_restore
from promotions.tests.factories import CouponTemplateFactory, UserCouponFactory

pytestmark = pytest.mark.django_db

CART = [CouponLine(category_id=1, amount=Decimal("100.00"))]


@pytest.fixture
def coupon(user):
    return UserCouponFactory(user=user, template=CouponTemplateFactory(code="SAVE"))


def test_redeem_marks_used_by_order(user, coupon):
    order = OrderFactory(user=user)
    quote = coupon_quote(user, code="save", lines=CART)

    redeemed = coupon_redeem(quote, order=order)

    coupon.refresh_from_db()
    assert redeemed.pk == coupon.pk
    assert coupon.status == UserCoupon.Status.USED
    assert coupon.order == order
    assert coupon.used_at is not None


def test_a_quote_cannot_be_spent_twice(user, coupon):
    quote = coupon_quote(user, code="SAVE", lines=CART)
    first = OrderFactory(user=user)
    coupon_redeem(quote, order=first)

    # A second checkout priced with the same (stale) quote is refused.
    with pytest.raises(CouponUsed) as excinfo:
        coupon_redeem(quote, order=OrderFactory(user=user))
    assert (excinfo.value.code, excinfo.value.status_code) == ("coupon_used", 409)
    coupon.refresh_from_db()
    assert coupon.order == first


def test_restore_gives_the_coupon_back_and_is_idempotent(user, coupon):
    order = OrderFactory(user=user)
    coupon_redeem(coupon_quote(user, code="SAVE", lines=CART), order=order)

    coupon_restore(order)
    coupon_restore(order)

    coupon.refresh_from_db()
    assert coupon.status == UserCoupon.Status.UNUSED
    assert coupon.order is None
    assert coupon.used_at is None
    # And it can be used again.
    assert coupon_quote(user, code="SAVE", lines=CART).user_coupon == coupon


def test_restore_after_validity_expires_the_coupon(user, coupon):
    order = OrderFactory(user=user)
    coupon_redeem(coupon_quote(user, code="SAVE", lines=CART), order=order)
    template = coupon.template
    template.valid_from = timezone.now() - timedelta(days=3)
    template.valid_to = timezone.now() - timedelta(minutes=1)
    template.save()

    coupon_restore(order)

    coupon.refresh_from_db()
    assert coupon.status == UserCoupon.Status.EXPIRED
    assert coupon.order is None


def test_restore_touches_only_that_orders_coupon(user, other_user):
    tpl = CouponTemplateFactory(code="SAVE")
    mine = UserCouponFactory(user=user, template=tpl)
    theirs = UserCouponFactory(user=other_user, template=tpl)
    my_order = OrderFactory(user=user)
    coupon_redeem(coupon_quote(user, code="SAVE", lines=CART), order=my_order)
    coupon_redeem(
        coupon_quote(other_user, code="SAVE", lines=CART), order=OrderFactory(user=other_user)
    )

    coupon_restore(my_order)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == UserCoupon.Status.UNUSED
    assert theirs.status == UserCoupon.Status.USED


def test_restore_of_an_order_without_coupon_does_nothing(user, coupon):
    coupon_restore(OrderFactory(user=user))
    coupon.refresh_from_db()
    assert coupon.status == UserCoupon.Status.UNUSED


def test_a_quote_cannot_pay_for_another_users_order(user, other_user, coupon):
    quote = coupon_quote(user, code="SAVE", lines=CART)
    with pytest.raises(CouponNotFound):
        coupon_redeem(quote, order=OrderFactory(user=other_user))
    coupon.refresh_from_db()
    assert coupon.status == UserCoupon.Status.UNUSED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_checkouts_racing_with_one_coupon():
    """Both quotes see the coupon unused; the row lock lets exactly one order redeem it."""
    coupon = UserCouponFactory(template=CouponTemplateFactory(code="RACE"))
    user = coupon.user
    orders = [OrderFactory(user=user) for _ in range(2)]
    quotes = [coupon_quote(user, code="RACE", lines=CART) for _ in orders]
    barrier = threading.Barrier(len(orders))
    outcomes = []

    def checkout(quote, order):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                coupon_redeem(quote, order=order)
            outcomes.append("ok")
        except CouponUsed:
            outcomes.append("coupon_used")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=checkout, args=pair) for pair in zip(quotes, orders, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes) == ["coupon_used", "ok"]
    coupon.refresh_from_db()
    assert coupon.status == UserCoupon.Status.USED
    assert coupon.order_id in {o.pk for o in orders}

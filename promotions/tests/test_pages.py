"""The "my coupons" page: the user's coupons by status, and claim buttons for available ones."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from promotions.models import UserCoupon
from promotions.services import coupon_claim
from promotions.tests.factories import CouponTemplateFactory, UserCouponFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(user):
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_my_coupons_lists_mine_and_offers_the_claimable(shopper, user, other_user):
    mine = CouponTemplateFactory(code="MINE10", kind="percent", value=Decimal("10"))
    coupon_claim(user, template=mine)
    CouponTemplateFactory(code="OPEN5", value=Decimal("5.00"), min_spend=Decimal("50"))
    CouponTemplateFactory(code="OVER", valid_to=timezone.now() - timedelta(seconds=1))
    UserCouponFactory(user=other_user, template=CouponTemplateFactory(code="THEIRS"))

    body = shopper.get("/account/coupons/").content.decode()
    assert 'data-testid="my-coupon" data-code="MINE10" data-status="unused"' in body
    assert "THEIRS" not in body.split('data-testid="available-coupons"')[0]
    available = body.split('data-testid="available-coupons"')[1]
    assert 'data-code="OPEN5"' in available and 'data-testid="claim-coupon"' in available
    assert 'data-code="MINE10"' not in available  # held up to the per-user limit
    assert 'data-code="OVER"' not in available
    assert 'href="/account/coupons/" aria-current="page"' in body  # the account nav
    assert "<title>My coupons" in body


def test_claim_a_coupon_and_again_is_refused(shopper, user):
    template = CouponTemplateFactory(code="ONCE")
    response = shopper.post(f"/account/coupons/{template.pk}/claim/", follow=True)
    assert "Coupon claimed: type ONCE at checkout." in messages_of(response)
    assert UserCoupon.objects.filter(user=user, template=template).count() == 1
    response = shopper.post(f"/account/coupons/{template.pk}/claim/", follow=True)
    assert response.status_code == 200
    assert messages_of(response) and "claimed" not in messages_of(response)[0]
    assert UserCoupon.objects.filter(user=user, template=template).count() == 1


def test_sold_out_and_unknown_templates(shopper):
    sold = CouponTemplateFactory(total_quantity=1)
    coupon_claim(UserCouponFactory().user, template=sold)
    response = shopper.post(f"/account/coupons/{sold.pk}/claim/", follow=True)
    assert response.status_code == 200 and messages_of(response)
    assert shopper.post("/account/coupons/999999/claim/").status_code == 404
    assert shopper.get(f"/account/coupons/{sold.pk}/claim/").status_code == 405


def test_status_filter(shopper, user):
    coupon_claim(user, template=CouponTemplateFactory(code="NEW"))
    UserCouponFactory(user=user, template=CouponTemplateFactory(code="GONE"), status="expired")
    body = shopper.get("/account/coupons/?status=expired").content.decode()
    assert 'data-code="GONE"' in body and 'data-testid="my-coupon" data-code="NEW"' not in body
    assert shopper.get("/account/coupons/?status=bogus").status_code == 200


def test_coupons_need_a_login():
    client = Client()
    assert client.get("/account/coupons/")["Location"].startswith("/account/login/")
    assert client.post("/account/coupons/1/claim/")["Location"].startswith("/account/login/")

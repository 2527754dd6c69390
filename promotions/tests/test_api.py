from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.tests.factories import CategoryFactory
from conftest import bearer
from core.testing.state import db_state
from orders.tests.factories import OrderFactory
from promotions.models import UserCoupon
from promotions.tests.factories import CouponTemplateFactory, UserCouponFactory

pytestmark = pytest.mark.django_db

AVAILABLE = reverse("api:coupon-available")
MINE = reverse("api:coupon-mine")


def claim_url(pk):
    return reverse("api:coupon-claim", args=[pk])


def ids(response):
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def templates():
    """One claimable template of each kind and one template for every reason not to list it."""
    now = timezone.now()
    return {
        "fixed": CouponTemplateFactory(value=Decimal("5"), min_spend=Decimal("50")),
        "percent": CouponTemplateFactory(
            kind="percent",
            value=Decimal("12.5"),
            max_discount=Decimal("30"),
            category=CategoryFactory(name="Shoes"),
            total_quantity=10,
        ),
        "inactive": CouponTemplateFactory(is_active=False),
        "future": CouponTemplateFactory(valid_from=now + timedelta(days=1)),
        "ended": CouponTemplateFactory(valid_from=now - timedelta(days=5), valid_to=now),
        "sold_out": CouponTemplateFactory(total_quantity=1, claimed_count=1),
    }


def test_available_lists_only_claimable_templates_for_guests(api_client, templates):
    response = api_client.get(AVAILABLE)

    assert response.status_code == 200
    assert ids(response) == {templates["fixed"].pk, templates["percent"].pk}
    row = next(r for r in response.json()["results"] if r["id"] == templates["percent"].pk)
    tpl = templates["percent"]
    assert row == {
        "id": tpl.pk,
        "name": tpl.name,
        "code": tpl.code,
        "kind": "percent",
        "value": "12.50",
        "max_discount": "30.00",
        "min_spend": "0.00",
        "valid_from": row["valid_from"],
        "valid_to": row["valid_to"],
        "category": {"id": tpl.category.pk, "name": "Shoes", "slug": tpl.category.slug},
        "remaining": 10,
    }
    fixed = next(r for r in response.json()["results"] if r["id"] == templates["fixed"].pk)
    assert (fixed["value"], fixed["max_discount"], fixed["min_spend"], fixed["category"]) == (
        "5.00",
        None,
        "50.00",
        None,
    )


def test_available_hides_templates_the_user_holds_up_to_the_limit(user_client, user, templates):
    UserCouponFactory(user=user, template=templates["fixed"])  # per_user_limit 1: done
    templates["percent"].per_user_limit = 2
    templates["percent"].save()
    UserCouponFactory(user=user, template=templates["percent"])  # one more allowed

    assert ids(user_client.get(AVAILABLE)) == {templates["percent"].pk}


def test_available_query_count(api_client, user, django_assert_max_num_queries):
    CouponTemplateFactory.create_batch(15, category=CategoryFactory())
    api_client.credentials(**bearer(user))
    with django_assert_max_num_queries(3):  # user, count, page
        response = api_client.get(AVAILABLE)
    assert len(response.json()["results"]) == 15


def test_claim_requires_login(api_client, templates):
    before = db_state()
    response = api_client.post(claim_url(templates["fixed"].pk))
    assert response.status_code == 401
    assert not UserCoupon.objects.exists()
    assert db_state() == before  # claimed_count untouched too


def test_claim_returns_the_coupon(user_client, user, templates):
    tpl = templates["percent"]
    response = user_client.post(claim_url(tpl.pk))

    assert response.status_code == 201
    body = response.json()
    coupon = UserCoupon.objects.get(user=user)
    assert body["id"] == coupon.pk
    assert body["status"] == "unused"
    assert body["order_number"] is None
    assert body["coupon"]["code"] == tpl.code
    assert body["coupon"]["value"] == "12.50"
    tpl.refresh_from_db()
    assert tpl.claimed_count == 1


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("inactive", "coupon_not_claimable"),
        ("future", "coupon_not_claimable"),
        ("ended", "coupon_not_claimable"),
        ("sold_out", "coupon_sold_out"),
    ],
)
def test_claim_refusals(user_client, templates, name, code):
    before = db_state()
    response = user_client.post(claim_url(templates[name].pk))
    assert response.status_code == 409
    assert response.json()["code"] == code
    assert not UserCoupon.objects.exists()
    assert db_state() == before  # claimed_count untouched too


def test_claim_twice_hits_the_limit(user_client, templates):
    assert user_client.post(claim_url(templates["fixed"].pk)).status_code == 201
    before = db_state()
    response = user_client.post(claim_url(templates["fixed"].pk))
    assert response.status_code == 409
    assert response.json()["code"] == "coupon_limit_reached"
    assert UserCoupon.objects.count() == 1
    assert db_state() == before


def test_claim_unknown_template_is_404(user_client, templates):
    before = db_state()
    response = user_client.post(claim_url(999999))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert db_state() == before


@pytest.fixture
def my_coupons(user, other_user):
    now = timezone.now()
    ended = CouponTemplateFactory(valid_from=now - timedelta(days=5), valid_to=now)
    return {
        "unused": UserCouponFactory(user=user),
        "used": UserCouponFactory(
            user=user,
            status=UserCoupon.Status.USED,
            used_at=now,
            order=OrderFactory(user=user, number="N2026000001"),
        ),
        "expired": UserCouponFactory(user=user, status=UserCoupon.Status.EXPIRED),
        # Unused but past its end: listed as expired before the Beat task writes it.
        "lapsed": UserCouponFactory(user=user, template=ended),
        "not_mine": UserCouponFactory(user=other_user),
    }


def test_mine_requires_login(api_client):
    assert api_client.get(MINE).status_code == 401


def test_mine_lists_own_coupons_only(user_client, my_coupons):
    response = user_client.get(MINE)

    assert response.status_code == 200
    by_id = {row["id"]: row for row in response.json()["results"]}
    assert set(by_id) == {my_coupons[k].pk for k in ("unused", "used", "expired", "lapsed")}
    assert by_id[my_coupons["used"].pk]["order_number"] == "N2026000001"
    assert by_id[my_coupons["lapsed"].pk]["status"] == "expired"


@pytest.mark.parametrize(
    ("status", "expected"),
    [("unused", {"unused"}), ("used", {"used"}), ("expired", {"expired", "lapsed"})],
)
def test_mine_status_filter(user_client, my_coupons, status, expected):
    response = user_client.get(MINE, {"status": status})
    assert response.status_code == 200
    assert ids(response) == {my_coupons[k].pk for k in expected}
    assert {row["status"] for row in response.json()["results"]} == {status}


@pytest.mark.parametrize("bad", ["bogus", "UNUSED", "'; drop table"])
def test_mine_invalid_status_is_400(user_client, my_coupons, bad):
    response = user_client.get(MINE, {"status": bad})
    assert response.status_code == 400
    assert "status" in response.json()


def test_mine_ignores_ordering_param(user_client, my_coupons):
    assert user_client.get(MINE, {"ordering": "status"}).status_code == 200


def test_mine_query_count(user_client, user, django_assert_max_num_queries):
    for _ in range(12):
        UserCouponFactory(user=user, template=CouponTemplateFactory(category=CategoryFactory()))
    with django_assert_max_num_queries(3):  # user, count, page
        response = user_client.get(MINE)
    assert len(response.json()["results"]) == 12


@pytest.mark.parametrize("pk", [0, 2**63, 10**30])
def test_claim_out_of_range_id_is_404(user_client, templates, pk):
    before = db_state()
    assert user_client.post(f"/api/v1/coupons/{pk}/claim/").status_code == 404
    assert db_state() == before

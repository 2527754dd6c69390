from decimal import Decimal

import pytest

from catalog import services
from catalog.models import Review
from catalog.tests.conftest import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(make_product):
    return make_product("Headphones", slug="headphones")


def url(slug="headphones"):
    return f"/api/v1/products/{slug}/reviews/"


def test_not_a_buyer_is_403(user_client, user, product):
    deliver(user, product, status="shipped")  # bought, but not received yet
    response = user_client.post(url(), {"rating": 5, "body": "Great"})
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_buyer"
    assert not Review.objects.exists()


def test_anonymous_cannot_post(api_client, product):
    assert api_client.post(url(), {"rating": 5, "body": "x"}).status_code == 401


def test_buyer_reviews_once(user_client, user, product):
    deliver(user, product)
    response = user_client.post(url(), {"rating": 4, "title": "Nice", "body": "Good bass"})
    assert response.status_code == 201, response.content
    assert response.json()["rating"] == 4
    assert response.json()["user"] == user.username
    response = user_client.post(url(), {"rating": 5, "body": "Again"})
    assert response.status_code == 409
    assert response.json()["code"] == "already_reviewed"
    assert Review.objects.count() == 1


@pytest.mark.parametrize("rating", [0, 6, "x", None])
def test_rating_out_of_range_is_400(user_client, user, product, rating):
    deliver(user, product)
    body = {"body": "Hmm"} if rating is None else {"rating": rating, "body": "Hmm"}
    response = user_client.post(url(), body, format="json")
    assert response.status_code == 400
    assert "rating" in response.json()


def test_rating_stats_follow_reviews_and_hiding(
    user_client, user, other_user, product, api_client, bearer_client
):
    deliver(user, product)
    deliver(other_user, product)
    assert user_client.post(url(), {"rating": 5, "body": "Love it"}).status_code == 201
    other = bearer_client(other_user)
    assert other.post(url(), {"rating": 2, "body": "Meh"}).status_code == 201
    product.refresh_from_db()
    assert product.review_count == 2
    assert product.rating_avg == Decimal("3.50")

    services.review_hide(Review.objects.get(user=other_user))
    product.refresh_from_db()
    assert product.review_count == 1
    assert product.rating_avg == Decimal("5.00")
    listed = api_client.get(url()).json()
    assert listed["count"] == 1
    assert listed["results"][0]["rating"] == 5

    services.review_hide(Review.objects.get(user=user))
    product.refresh_from_db()
    assert (product.review_count, product.rating_avg) == (0, Decimal("0.00"))


def test_inactive_product_reviews_404(user_client, user, product):
    deliver(user, product)
    services.product_deactivate(product)
    assert user_client.post(url(), {"rating": 5, "body": "x"}).status_code == 404


def test_an_overlong_review_body_is_400(user_client, user, product):
    deliver(user, product)
    response = user_client.post(url(), {"rating": 3, "body": "好" * 5001}, format="json")
    assert response.status_code == 400
    assert "body" in response.json()
    assert not Review.objects.exists()


def test_orders_registers_its_buyer_check_in_catalog_at_start_up():
    """catalog asks this check (docs/architecture.md, "Calling up"); catalog never imports orders."""
    from orders.queries import user_has_bought

    assert services._buyer_check is user_has_bought

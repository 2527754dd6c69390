"""Favourites and browsing history: API and pages, and whose they are."""

from decimal import Decimal

import pytest
from django.test import Client

from catalog.services import product_refresh_price
from recommendations.models import BehaviourEvent, Favourite, HistoryEntry
from recommendations.services import events_flush, events_record

pytestmark = pytest.mark.django_db


def test_like_twice_is_one_favourite(shown, user_client, user):
    product = shown()
    first = user_client.post("/api/v1/favourites/", {"product_id": product.pk})
    assert first.status_code == 201
    assert first.json()["product"]["id"] == product.pk and first.json()["price_dropped"] is False
    again = user_client.post("/api/v1/favourites/", {"product_id": product.pk})
    assert again.status_code == 200
    assert Favourite.objects.filter(user=user).count() == 1


def test_like_records_a_like_event(shown, user, user_client, django_capture_on_commit_callbacks):
    product = shown()
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post("/api/v1/favourites/", {"product_id": product.pk})
    events_flush()
    assert list(BehaviourEvent.objects.values_list("kind", "user_id")) == [("like", user.pk)]


def test_list_with_price_drop_and_stock(shown, user_client):
    product = shown(price="100.00")
    sold_out = shown(in_stock=False)
    user_client.post("/api/v1/favourites/", {"product_id": product.pk})
    user_client.post("/api/v1/favourites/", {"product_id": sold_out.pk})
    variant = product.variants.get()
    variant.price = Decimal("80.00")
    variant.save(update_fields=["price"])
    product_refresh_price(product)
    listed = user_client.get("/api/v1/favourites/").json()
    assert [(f["product"]["id"], f["price_dropped"]) for f in listed] == [
        (sold_out.pk, False),
        (product.pk, True),
    ]
    assert listed[0]["product"]["in_stock"] is False and listed[1]["product"]["price"] == "80.00"


def test_remove_and_ownership(shown, user_client, other_user, api_client):
    from conftest import bearer

    product = shown()
    user_client.post("/api/v1/favourites/", {"product_id": product.pk})
    api_client.credentials(**bearer(other_user))
    # Another user's favourite is not theirs to see or remove.
    assert api_client.get("/api/v1/favourites/").json() == []
    gone = api_client.delete(f"/api/v1/favourites/{product.pk}/")
    assert gone.status_code == 404 and gone.json()["code"] == "favourite_not_found"
    assert user_client.delete(f"/api/v1/favourites/{product.pk}/").status_code == 204
    assert user_client.delete(f"/api/v1/favourites/{product.pk}/").status_code == 404
    assert not Favourite.objects.exists()


def test_favourites_need_a_user_and_a_shown_product(shown, api_client, user_client):
    assert api_client.get("/api/v1/favourites/").status_code == 401
    assert api_client.post("/api/v1/favourites/", {"product_id": 1}).status_code == 401
    missing = user_client.post("/api/v1/favourites/", {"product_id": 999999})
    assert missing.status_code == 404 and missing.json()["code"] == "product_not_found"


def test_favourites_list_query_count(shown, user_client, django_assert_max_num_queries):
    for _ in range(5):
        user_client.post("/api/v1/favourites/", {"product_id": shown().pk})
    # user (token auth), hidden categories, favourites joined to products, their images
    with django_assert_max_num_queries(4):
        assert len(user_client.get("/api/v1/favourites/").json()) == 5


# --- History -------------------------------------------------------------------------------------


def test_history_newest_first_without_duplicates_last_50(shown, user, user_client, settings):
    settings.RECOMMENDATIONS_HISTORY_SIZE = 3
    a, b, c, d = shown(), shown(), shown(), shown()
    for product in (a, b, a, c, d):
        events_record("view", [product.pk], user=user)
    events_flush()
    listed = [p["id"] for p in user_client.get("/api/v1/history/").json()]
    assert listed == [d.pk, c.pk, a.pk]
    assert HistoryEntry.objects.filter(user=user).count() == 3


def test_history_shows_views_not_yet_written(shown, user, user_client):
    a, b = shown(), shown()
    events_record("view", [a.pk], user=user)
    events_flush()
    events_record("view", [b.pk], user=user)  # still in the buffer
    assert [p["id"] for p in user_client.get("/api/v1/history/").json()][:2] == [b.pk, a.pk]


def test_guest_history_by_cart_token_is_theirs_only(shown, api_client):
    a, b = shown(), shown()
    events_record("view", [a.pk], visitor="token-a")
    events_record("view", [b.pk], visitor="token-b")
    events_flush()
    mine = api_client.get("/api/v1/history/", HTTP_X_CART_TOKEN="token-a").json()
    assert [p["id"] for p in mine] == [a.pk]
    by_param = api_client.get("/api/v1/history/?cart_token=token-b").json()
    assert [p["id"] for p in by_param] == [b.pk]
    assert api_client.get("/api/v1/history/").json() == []  # no token, no history
    cleared = api_client.delete("/api/v1/history/", HTTP_X_CART_TOKEN="token-a")
    assert cleared.status_code == 204
    assert api_client.get("/api/v1/history/", HTTP_X_CART_TOKEN="token-a").json() == []
    assert HistoryEntry.objects.filter(visitor="token-b").exists()


def test_a_users_history_is_not_anothers(shown, user, other_user, user_client):
    a = shown()
    events_record("view", [a.pk], user=other_user)
    events_flush()
    assert user_client.get("/api/v1/history/").json() == []
    assert user_client.delete("/api/v1/history/").status_code == 204
    assert HistoryEntry.objects.filter(user=other_user).exists()


# --- Pages ---------------------------------------------------------------------------------------


@pytest.fixture
def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_favourites_page_toggle_without_javascript(shown, user, page_client):
    product = shown(name="Lamp")
    page = page_client.get("/account/favourites/")
    assert page.status_code == 200 and b"no favourites yet" in page.content
    liked = page_client.post(f"/favourites/{product.pk}/toggle/", {"next": "/p/lamp/"})
    assert liked.status_code == 302 and liked["Location"] == "/p/lamp/"
    assert Favourite.objects.filter(user=user, product=product).exists()
    page = page_client.get("/account/favourites/")
    assert b'data-testid="favourite-item"' in page.content and b"Lamp" in page.content
    unliked = page_client.post(
        f"/favourites/{product.pk}/toggle/", {"next": "https://evil.example/"}
    )
    assert unliked["Location"] == "/account/favourites/"  # never off-site
    assert not Favourite.objects.exists()


def test_favourite_pages_need_login_and_csrf(shown):
    product = shown()
    guest = Client()
    assert guest.get("/account/favourites/").status_code == 302
    assert guest.post(f"/favourites/{product.pk}/toggle/").status_code == 302
    assert not Favourite.objects.exists()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/favourites/{product.pk}/toggle/").status_code == 403


def test_history_page_for_a_guest_and_clear(shown):
    product = shown(name="Kettle")
    guest = Client()
    session = guest.session
    session["cart_token"] = "guest-tok"
    session.save()
    events_record("view", [product.pk], visitor="guest-tok")
    events_flush()
    page = guest.get("/account/history/")
    assert page.status_code == 200 and b"Kettle" in page.content
    guest.post("/account/history/clear/")
    assert not HistoryEntry.objects.exists()
    assert b"Kettle" not in guest.get("/account/history/").content


def test_includes_render(shown, user, page_client):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    product = shown(name="Teapot")
    request = RequestFactory().get("/p/teapot/")
    request.user = user
    heart = render_to_string(
        "recommendations/_heart.html", {"product": product, "liked": True}, request=request
    )
    assert 'data-liked="true"' in heart and f"/favourites/{product.pk}/toggle/" in heart
    recent = render_to_string(
        "recommendations/_recently_viewed.html", {"products": [product]}, request=request
    )
    assert "Teapot" in recent and 'data-testid="recently-viewed"' in recent

"""Stored lists, served: rebuild, filtering at serving time, query bounds, cache and its refresh."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.cache import catalog_cache_invalidate
from catalog.models import Product
from catalog.suggestions import suggestions_also_bought, suggestions_for_you, suggestions_similar
from catalog.tests.factories import CategoryFactory
from recommendations import queries
from recommendations.models import ListKind, Recommendation
from recommendations.services import events_flush, events_record, recommendations_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(shown, user, other_user):
    """Games (g1..g4) and books (b1..b3); buyers of g1 also buy g2; user likes games."""
    from accounts.tests.factories import UserFactory

    games, books = CategoryFactory(name="Games"), CategoryFactory(name="Books")
    g = [shown(games, name=f"Game {n}") for n in range(1, 5)]
    b = [shown(books, name=f"Book {n}") for n in range(1, 4)]
    for buyer in [UserFactory() for _ in range(3)]:
        events_record("purchase", [g[0].pk, g[1].pk], user=buyer)
    events_record("purchase", [b[0].pk, b[1].pk], user=other_user)
    events_record("view", [b[2].pk] * 3, visitor="guest")
    events_record("purchase", [g[0].pk], user=user)
    events_record("view", [g[0].pk], user=user)
    events_flush()
    recommendations_rebuild()
    return {"g": g, "b": b}


def _ids(picks):
    return [r.product.pk for r in picks]


def test_also_bought_comes_from_co_purchases(shop):
    g = shop["g"]
    assert _ids(queries.also_bought(g[0].pk))[0] == g[1].pk
    assert g[0].pk not in _ids(queries.also_bought(g[0].pk))


def test_similar_is_never_empty_in_a_category_with_others(shop, shown):
    g = shop["g"]
    # g4 had no behaviour at all: its category's products stand in.
    similar = _ids(queries.similar(g[3].pk))
    assert similar and set(similar) <= {g[0].pk, g[1].pk, g[2].pk}
    # A product added after the rebuild: no stored list, still an answer.
    newcomer = shown(g[0].category)
    assert set(_ids(queries.similar(newcomer.pk))) == {p.pk for p in g}


def test_for_you_excludes_what_was_bought_and_says_why(shop, user):
    g = shop["g"]
    picks = queries.for_user(user)
    assert picks[0].product.pk == g[1].pk
    assert g[0].pk not in _ids(picks)
    assert picks[0].reason == f"Because you bought {g[0].name}"


def test_for_you_of_a_new_user_is_trending(shop, django_user_model):
    newcomer = django_user_model.objects.create_user("newcomer", password="x-long-password-1")
    assert _ids(queries.for_user(newcomer, limit=3)) == _ids(queries.trending(limit=3))
    assert queries.trending(limit=3)  # trending is there


def test_trending_window_and_limit(shop, api_client):
    answer = api_client.get("/api/v1/recommendations/trending/?days=1&limit=2")
    assert answer.status_code == 200 and len(answer.json()) == 2
    assert set(answer.json()[0]) == {"product", "score", "reason"}
    assert {"id", "slug", "name", "price", "in_stock"} <= set(answer.json()[0]["product"])
    assert api_client.get("/api/v1/recommendations/trending/?limit=21").status_code == 400
    assert api_client.get("/api/v1/recommendations/trending/?limit=20").status_code == 200
    assert api_client.get("/api/v1/recommendations/trending/?days=0").status_code == 400
    assert queries.trending_window(3) == 7 and queries.trending_window(400) == 30


def test_inactive_and_out_of_stock_are_filtered_when_served(shop):
    g = shop["g"]
    Product.objects.filter(pk=g[1].pk).update(in_stock=False)
    catalog_cache_invalidate([g[1].pk])  # what inventory does on a stock change
    assert g[1].pk not in _ids(queries.also_bought(g[0].pk))
    assert g[1].pk not in _ids(queries.similar(g[0].pk))
    Product.objects.filter(pk=g[2].pk).update(is_active=False)
    catalog_cache_invalidate([g[2].pk])
    assert g[2].pk not in _ids(queries.similar(g[0].pk))
    # An inactive source: no list (the API says 404).
    with pytest.raises(queries.SourceNotShown):
        queries.similar(g[2].pk)


def test_api_item_lists_and_404(shop, api_client):
    g = shop["g"]
    similar = api_client.get(f"/api/v1/recommendations/similar/{g[0].pk}/?limit=2")
    assert similar.status_code == 200 and len(similar.json()) == 2
    also = api_client.get(f"/api/v1/recommendations/also-bought/{g[0].pk}/")
    assert also.json()[0]["product"]["id"] == g[1].pk
    missing = api_client.get("/api/v1/recommendations/similar/999999/")
    assert missing.status_code == 404 and missing.json()["code"] == "product_not_found"
    assert api_client.get("/api/v1/recommendations/also-bought/999999/").status_code == 404


def test_for_me_needs_a_user(shop, api_client, user_client):
    assert api_client.get("/api/v1/recommendations/for-me/").status_code == 401
    answer = user_client.get("/api/v1/recommendations/for-me/")
    assert answer.status_code == 200 and answer.json()[0]["reason"].startswith("Because you")


@pytest.mark.parametrize(
    "serve",
    [
        lambda s, u: queries.similar(s["g"][0].pk),
        lambda s, u: queries.also_bought(s["g"][0].pk),
        lambda s, u: queries.trending(),
        lambda s, u: queries.for_user(u),
    ],
    ids=["similar", "also_bought", "trending", "for_you"],
)
def test_serving_costs_three_queries_then_a_cache_hit(shop, user, serve):
    with CaptureQueriesContext(connection) as cold:
        first = serve(shop, user)
    # hidden categories, the products joined to their stored rows, their primary images
    assert len(cold) <= 3, [q["sql"] for q in cold]
    with CaptureQueriesContext(connection) as warm:
        assert _ids(serve(shop, user)) == _ids(first)
    assert len(warm) == 0


def test_a_users_list_follows_their_new_behaviour(shop, user, on_commit):
    g, b = shop["g"], shop["b"]
    reasons = {r.product.pk: r.reason for r in queries.for_user(user)}  # cached now
    assert reasons.get(b[1].pk, "") == ""  # at most a trending pick
    # The user buys a book: the book bought with it is theirs now, at the next read.
    events_record("purchase", [b[0].pk], user=user)
    with on_commit():
        events_flush()
    after = queries.for_user(user)
    reasons = {r.product.pk: r.reason for r in after}
    assert reasons[b[1].pk] == f"Because you bought {b[0].name}"
    assert b[0].pk not in reasons and g[0].pk not in reasons


def test_rebuild_command_with_progress(shop):
    out, err = io.StringIO(), io.StringIO()
    Recommendation.objects.all().delete()
    call_command("recommendations_rebuild", stdout=out, stderr=err)
    assert "also_bought:" in out.getvalue() and "rebuild" in err.getvalue()
    assert Recommendation.objects.filter(kind=ListKind.SIMILAR).exists()
    assert Recommendation.objects.filter(kind=ListKind.FOR_YOU).exists()
    assert Recommendation.objects.filter(kind=ListKind.TRENDING, window_days=7).exists()


def test_the_pages_entry_points_are_registered(shop, user):
    g = shop["g"]
    assert suggestions_also_bought(g[0])[0].product == g[1]
    assert suggestions_similar(g[3])
    assert suggestions_for_you(user)[0].reason.startswith("Because you")
    assert suggestions_for_you(None)  # guests: trending


def test_a_product_pages_two_lists_are_one_read(shop, shown):
    from catalog.queries import category_hidden_ids_cached
    from catalog.suggestions import suggestions_for_product

    g = shop["g"]
    category_hidden_ids_cached()  # the page's category tree fills it before the lists are asked
    with CaptureQueriesContext(connection) as cold:
        lists = suggestions_for_product(g[0], limit=4)
    # the products of both stored lists joined to their rows, their primary images in the same
    assert len(cold) == 1, [q["sql"] for q in cold]
    assert _ids(lists.also_bought) == _ids(queries.also_bought(g[0].pk, limit=4))
    assert _ids(lists.similar) == _ids(queries.similar(g[0].pk, limit=4))
    # No stored list yet (a product added after the rebuild): its category stands in.
    newcomer = shown(g[0].category)
    fresh = suggestions_for_product(newcomer, limit=4)
    assert set(_ids(fresh.similar)) == {p.pk for p in g} and fresh.also_bought == []


def test_served_products_carry_their_primary_image_from_the_same_query(shop, api_client):
    from catalog.models import ProductImage

    g = shop["g"]
    ProductImage.objects.create(
        product=g[1], image="products/p.png", thumbnail="products/thumbs/p.png", is_primary=True
    )
    ProductImage.objects.create(product=g[1], image="products/other.png", is_primary=False)
    [first, *_] = queries.also_bought(g[0].pk)
    assert first.product == g[1]
    [image] = first.product.primary_images
    assert (image.image.name, image.thumbnail.name) == ("products/p.png", "products/thumbs/p.png")
    answer = api_client.get(f"/api/v1/recommendations/also-bought/{g[0].pk}/").json()
    assert answer[0]["product"]["primary_image"].endswith("/products/thumbs/p.png")

"""A shopper never sees a stale price: writes invalidate cached answers on commit."""

import os

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache

from catalog.tests.conftest import give_stock

pytestmark = pytest.mark.django_db

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _price_edit_is_seen_at_once(api_client, merchant_client, make_product, commit):
    product = make_product("Kettle", "100.00", slug="kettle")
    variant = product.variants.get()
    detail, listing = "/api/v1/products/kettle/", "/api/v1/products/"

    assert api_client.get(detail).json()["price"] == "100.00"
    assert api_client.get(listing).json()["results"][0]["price"] == "100.00"
    # The answers are cached now: a write that bypasses the services is not seen...
    type(variant).objects.filter(pk=variant.pk).update(price="1.00")
    assert api_client.get(detail).json()["price"] == "100.00"

    # ...but an edit through the API is, at once, in the detail and in every list.
    with commit(execute=True):
        response = merchant_client.patch(
            f"/api/v1/products/kettle/variants/{variant.pk}/", {"price": "79.90"}
        )
    assert response.status_code == 200
    assert api_client.get(detail).json()["price"] == "79.90"
    assert api_client.get(listing).json()["results"][0]["price"] == "79.90"
    assert api_client.get(listing, {"max_price": "80"}).json()["count"] == 1

    # Stock changes (inventory calls catalog_cache_invalidate) show up too.
    assert api_client.get(detail).json()["in_stock"] is False
    with commit(execute=True):
        give_stock(variant, 3)
    assert api_client.get(detail).json()["in_stock"] is True
    assert api_client.get(listing).json()["results"][0]["in_stock"] is True

    # Deactivation removes it from cached lists and details.
    with commit(execute=True):
        assert merchant_client.delete(detail).status_code == 204
    assert api_client.get(detail).status_code == 404
    assert api_client.get(listing).json()["count"] == 0


def test_price_edit_invalidates_locmem(
    settings, api_client, merchant_client, make_product, django_capture_on_commit_callbacks
):
    settings.CACHES = LOCMEM
    assert isinstance(caches["default"], LocMemCache)
    _price_edit_is_seen_at_once(
        api_client, merchant_client, make_product, django_capture_on_commit_callbacks
    )


@pytest.mark.redis
def test_price_edit_invalidates_redis(
    settings, api_client, merchant_client, make_product, django_capture_on_commit_callbacks
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "catalog-test",
        }
    }
    assert isinstance(caches["default"], RedisCache)
    cache.clear()
    _price_edit_is_seen_at_once(
        api_client, merchant_client, make_product, django_capture_on_commit_callbacks
    )


def test_staff_views_with_inactive_are_not_cached(
    staff_client, api_client, make_product, django_capture_on_commit_callbacks
):
    make_product("Hidden", slug="hidden", is_active=False)
    data = staff_client.get("/api/v1/products/", {"include_inactive": "1"}).json()
    assert [p["slug"] for p in data["results"]] == ["hidden"]
    # The shopper's answer for the same query string must not be the staff one.
    data = api_client.get("/api/v1/products/", {"include_inactive": "1"}).json()
    assert data["count"] == 0


# --- Details after a reconciliation or a warehouse toggle -------------------------------------------


# --- A cache that fails ---------------------------------------------------------------------------


BROKEN = {"default": {"BACKEND": "catalog.tests.test_cache.BrokenCache"}}


class BrokenCache(LocMemCache):
    """Every call fails, as Redis does while it is down (without IGNORE_EXCEPTIONS)."""

    def __init__(self, location="", params=None):
        super().__init__(location or "broken", params or {})

    def _fail(self, *args, **kwargs):
        raise ConnectionError("cache is down")

    get = set = add = delete = delete_many = get_many = set_many = incr = has_key = _fail
    touch = _fail  # clear() still works: the test teardown calls it


def test_write_after_commit_survives_a_failing_cache(
    settings, merchant_client, make_product, django_capture_on_commit_callbacks, caplog
):
    product = make_product("Kettle", "100.00", slug="kettle")
    variant = product.variants.get()
    settings.CACHES = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_client.patch(
            f"/api/v1/products/kettle/variants/{variant.pk}/", {"price": "79.90"}
        )
    assert response.status_code == 200
    variant.refresh_from_db()
    assert str(variant.price) == "79.90"
    assert "catalog_cache_invalidate" in caplog.text  # logged by name, not lost


def test_reads_answer_from_the_database_when_the_cache_fails(settings, api_client, make_product):
    make_product("Kettle", "100.00", slug="kettle")
    settings.CACHES = BROKEN
    response = api_client.get("/api/v1/products/")
    assert response.status_code == 200
    assert response.json()["results"][0]["price"] == "100.00"
    response = api_client.get("/api/v1/products/kettle/")
    assert response.status_code == 200
    assert response.json()["price"] == "100.00"
    assert api_client.get("/api/v1/products/nope/").status_code == 404

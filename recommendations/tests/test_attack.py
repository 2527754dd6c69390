"""An outsider's attacks on recommendations (issue 21): each test failed before its fix."""

import threading

import pytest
from django.db import connection

from recommendations import buffer
from recommendations.models import Favourite, ListKind, Recommendation
from recommendations.services import events_record

pytestmark = pytest.mark.django_db

HUGE = [2**63, 10**20]


@pytest.mark.parametrize("pk", HUGE)
@pytest.mark.parametrize("kind", ["similar", "also-bought"])
def test_item_list_of_an_out_of_range_id_is_404(api_client, pk, kind):
    response = api_client.get(f"/api/v1/recommendations/{kind}/{pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"


@pytest.mark.parametrize("pk", HUGE)
def test_unliking_an_out_of_range_id_is_404(user_client, user, shown, pk):
    Favourite.objects.create(user=user, product=shown())
    response = user_client.delete(f"/api/v1/favourites/{pk}/")
    assert response.status_code == 404
    assert Favourite.objects.count() == 1


@pytest.mark.parametrize("pk", HUGE)
def test_heart_of_an_out_of_range_id_is_a_message_not_a_500(client, user, pk):
    client.force_login(user)
    response = client.post(f"/favourites/{pk}/toggle/")
    assert response.status_code == 302
    assert not Favourite.objects.exists()


def test_events_endpoint_is_throttled(api_client, shown, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"reco_events": "3/min"})
    body = {"product_id": shown().pk, "type": "view"}
    for _ in range(3):
        assert api_client.post("/api/v1/recommendations/events/", body).status_code == 202
    response = api_client.post("/api/v1/recommendations/events/", body)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_the_memory_buffer_is_bounded(settings, shown):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.RECOMMENDATIONS_BUFFER_MAX = 5
    buffer.clear()
    try:
        for _ in range(4):
            events_record("view", [1, 2], visitor="flood")
        assert len(buffer._memory) == 5
    finally:
        buffer.clear()


@pytest.mark.redis
def test_the_redis_buffer_is_bounded(settings):
    from django.core.cache import cache
    from django_redis import get_redis_connection

    if not buffer._uses_redis():
        pytest.skip("the cache is not Redis")
    settings.RECOMMENDATIONS_BUFFER_MAX = 5
    buffer.clear()
    try:
        for _ in range(4):
            events_record("view", [1, 2], visitor="flood")
        assert get_redis_connection("default").llen(cache.make_key(buffer.KEY)) == 5
    finally:
        buffer.clear()

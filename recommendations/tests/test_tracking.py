"""Behaviour from the API and the pages: buffered, no query on the request path, written in bulk."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.suggestions import behaviour_record
from recommendations import buffer
from recommendations.models import BehaviourEvent, HistoryEntry
from recommendations.services import events_flush, events_record

pytestmark = pytest.mark.django_db


def test_a_page_view_costs_no_query(shown, user, django_assert_num_queries):
    product = shown()
    with django_assert_num_queries(0):
        behaviour_record("view", [product.pk], user=user)
        behaviour_record("view", [product.pk], visitor="guest-session")
    assert not BehaviourEvent.objects.exists()
    assert events_flush() == 2
    rows = list(BehaviourEvent.objects.order_by("pk").values_list("user_id", "visitor", "kind"))
    assert rows == [(user.pk, "", "view"), (None, "guest-session", "view")]
    assert BehaviourEvent.objects.first().weight == 1.0  # RECOMMENDATIONS_EVENT_WEIGHTS


def test_weights_come_from_settings(shown, user, settings):
    settings.RECOMMENDATIONS_EVENT_WEIGHTS = {**settings.RECOMMENDATIONS_EVENT_WEIGHTS, "cart": 7.5}
    product = shown()
    events_record("cart", [product.pk], user=user)
    events_flush()
    assert BehaviourEvent.objects.get().weight == 7.5


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_the_buffer_is_written_once_the_response_left(shown, user, user_client, settings):
    settings.CACHES = LOCMEM  # the embedded shop: the buffer lives in this process
    product = shown()
    events_record("view", [product.pk], user=user)
    assert buffer.pending_in_process()
    # Any request of this process: the test client fires request_finished once the response is
    # complete, as the server does after sending it.
    user_client.get("/api/v1/recommendations/trending/")
    assert BehaviourEvent.objects.filter(user=user, kind="view").count() == 1
    assert not buffer.pending_in_process()


def test_unknown_kind_is_refused(user):
    with pytest.raises(ValueError):
        events_record("stare", [1], user=user)


def test_api_event_for_a_user(shown, user, user_client):
    product = shown()
    response = user_client.post(
        "/api/v1/recommendations/events/", {"product_id": product.pk, "type": "cart"}
    )
    assert response.status_code == 202
    events_flush()
    event = BehaviourEvent.objects.get()
    assert (event.user_id, event.product_id, event.kind, event.weight) == (
        user.pk,
        product.pk,
        "cart",
        3.0,
    )


def test_api_event_for_a_guest_by_cart_token(shown, api_client):
    product = shown()
    response = api_client.post(
        "/api/v1/recommendations/events/",
        {"product_id": product.pk, "type": "view"},
        HTTP_X_CART_TOKEN="tok-123",
    )
    assert response.status_code == 202
    events_flush()
    assert BehaviourEvent.objects.get().visitor == "tok-123"
    assert HistoryEntry.objects.get().visitor == "tok-123"


def test_api_event_bad_input(shown, api_client):
    product = shown(in_stock=False)
    bad_type = api_client.post(
        "/api/v1/recommendations/events/", {"product_id": product.pk, "type": "stare"}
    )
    assert bad_type.status_code == 400 and "type" in bad_type.json()
    missing = api_client.post(
        "/api/v1/recommendations/events/", {"product_id": 999999, "type": "view"}
    )
    assert missing.status_code == 404 and missing.json()["code"] == "product_not_found"
    # Out of stock is still a product one may look at.
    ok = api_client.post(
        "/api/v1/recommendations/events/", {"product_id": product.pk, "type": "view"}
    )
    assert ok.status_code == 202


def test_events_of_a_deleted_product_or_user_are_dropped(shown, user, other_user):
    product, gone = shown(), shown()
    events_record("view", [product.pk, gone.pk], user=user)
    events_record("view", [product.pk], user=other_user)
    gone.delete()
    other_user.delete()
    assert events_flush() == 1
    assert BehaviourEvent.objects.get().user_id == user.pk


def test_a_user_deletion_removes_their_events_favourites_and_history(shown, user, on_commit):
    from recommendations.models import Favourite
    from recommendations.services import favourite_add

    product = shown()
    with on_commit():
        favourite_add(user, product_id=product.pk)
    events_record("view", [product.pk], user=user)
    events_flush()
    assert BehaviourEvent.objects.filter(user=user).count() == 2  # like + view
    user.delete()
    assert not BehaviourEvent.objects.exists()
    assert not Favourite.objects.exists()
    assert not HistoryEntry.objects.exists()


def test_prune_deletes_events_older_than_the_retention(shown, user, settings):
    from recommendations.tasks import events_prune

    settings.RECOMMENDATIONS_EVENT_RETENTION_DAYS = 30
    product = shown()
    events_record("view", [product.pk], user=user)
    events_record("view", [product.pk], visitor="old-guest")
    events_flush()
    old = timezone.now() - timedelta(days=31)
    BehaviourEvent.objects.filter(visitor="old-guest").update(created_at=old)
    HistoryEntry.objects.filter(visitor="old-guest").update(viewed_at=old)
    assert events_prune.delay().get() == 1
    assert list(BehaviourEvent.objects.values_list("user_id", flat=True)) == [user.pk]
    assert list(HistoryEntry.objects.values_list("user_id", flat=True)) == [user.pk]


def test_periodic_tasks_are_scheduled(settings):
    tasks = {spec["task"] for spec in settings.PERIODIC_TASKS.values()}
    assert {
        "recommendations.tasks.events_flush",
        "recommendations.tasks.recommendations_rebuild",
        "recommendations.tasks.events_prune",
    } <= tasks


@pytest.mark.redis
def test_with_redis_the_buffer_is_shared_and_drained_by_the_task(
    shown, user, user_client, settings, django_assert_num_queries
):
    import os

    from recommendations.tasks import events_flush as flush_task

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "reco-test",
        }
    }
    buffer.clear()
    product = shown()
    with django_assert_num_queries(0):
        events_record("view", [product.pk], user=user)
    assert not buffer.pending_in_process()
    user_client.get("/api/v1/recommendations/trending/")  # a request does not drain Redis
    assert not BehaviourEvent.objects.exists()
    assert flush_task.delay().get() == 1
    assert BehaviourEvent.objects.get().user_id == user.pk
    assert flush_task.delay().get() == 0  # each event is taken once


def test_a_failing_buffer_never_breaks_the_page(shown, user, monkeypatch):
    product = shown()

    def down(events):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(buffer, "push", down)
    behaviour_record("view", [product.pk], user=user)  # no exception
    assert events_flush() == 0

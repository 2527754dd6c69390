from unittest import mock

import pytest
from django.db.utils import OperationalError


@pytest.mark.django_db
def test_health_reports_each_dependency(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok"}
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_health_is_503_when_the_database_is_down(client):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "down"
    assert response.json()["status"] == "down"


@pytest.mark.django_db
def test_health_is_degraded_not_down_when_redis_is_unreachable(client, settings):
    """With REDIS_URL set, a Redis outage is logged and ignored (DJANGO_REDIS_IGNORE_EXCEPTIONS):
    the shop keeps answering from the database and the health check says what is wrong."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    settings.DJANGO_REDIS_IGNORE_EXCEPTIONS = True

    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "down"}
    assert response.json()["status"] == "degraded"
    assert client.get("/api/v1/categories/tree/").status_code == 200

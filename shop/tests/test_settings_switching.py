"""Settings follow the environment: each test imports them in a fresh interpreter."""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SWITCHES = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_REPLICA_URLS",
    "STORAGE_BACKEND",
    "SECURE_SSL_REDIRECT",
)

PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": settings.DATABASES["default"]["NAME"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "sessions": settings.SESSION_ENGINE,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "email": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
    "replicas": sorted(a for a in settings.DATABASES if a != "default"),
}))
"""


def clean_env(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SWITCHES}
    env["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    env.update(overrides)
    return env


def run(args, **env_overrides):
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean_env(**env_overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def probe(**env_overrides) -> dict:
    result = run(["-c", "import django; django.setup()\n" + PROBE], **env_overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_needs_nothing_installed():
    found = probe()
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert found["eager"] is True
    assert found["broker"] == "memory://localhost/"
    assert found["email"] == "django.core.mail.backends.console.EmailBackend"
    assert found["debug"] is True
    assert found["replicas"] == []


def test_environment_switches_to_real_services():
    found = probe(
        DATABASE_URL="postgres://shop:pw@db.internal:5432/shopdb",
        REDIS_URL="redis://cache.internal:6379/0",
        CELERY_BROKER_URL="redis://cache.internal:6379/1",
        DATABASE_REPLICA_URLS="postgres://shop:pw@replica1:5432/shopdb",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["db_name"] == "shopdb"
    assert found["cache"] == "django_redis.cache.RedisCache"
    assert found["sessions"] == "django.contrib.sessions.backends.cache"
    assert found["eager"] is False
    assert found["replicas"] == ["replica_0"]


def test_redis_alone_keeps_celery_eager():
    found = probe(REDIS_URL="redis://127.0.0.1:6379/0")
    assert found["cache"] == "django_redis.cache.RedisCache"
    assert found["eager"] is True
    assert found["engine"] == "django.db.backends.sqlite3"


def _production_secret() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(64))


def test_production_mode_passes_check_deploy_without_warnings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        # A database with no tables, as on a fresh machine before `migrate`: the checks (which
        # include generating the OpenAPI schema) must not query it.
        SQLITE_PATH=str(tmp_path / "empty.sqlite3"),
        DEBUG="0",
        SECRET_KEY=_production_secret(),
        ALLOWED_HOSTS="shop.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start():
    result = run(["manage.py", "check"], DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("debug", ["0", "false", "False"])
def test_debug_off_spellings(debug):
    result = run(
        ["-c", "import django; django.setup()\n" + PROBE],
        DEBUG=debug,
        SECRET_KEY=_production_secret(),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["debug"] is False


def test_production_health_check_over_loopback_is_allowed_but_other_hosts_are_not():
    probe = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client()\n"
        "print(c.get('/health/', HTTP_HOST='127.0.0.1', secure=False).status_code,"
        " c.get('/health/', HTTP_HOST='evil.example.net').status_code)"
    )
    result = run(
        ["-c", probe],
        DEBUG="0",
        SECRET_KEY=_production_secret(),
        ALLOWED_HOSTS="shop.example.com",
        LOG_LEVEL="CRITICAL",
    )
    assert result.returncode == 0, result.stderr
    # The container health check (plain HTTP to 127.0.0.1) gets an answer, not a redirect or a
    # DisallowedHost 400; a foreign Host header still does not.
    assert result.stdout.split()[-2:] == ["200", "400"]

"""Fixtures shared by every app's tests."""

import ipaddress
import os
import shutil
import socket
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

# In CI's service run (REQUIRE_SERVICES=1) a test that needs PostgreSQL or Redis must run, not skip.
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_report_header(config):
    """Say which services this run really used, so a CI log shows it."""
    from django.conf import settings

    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    celery = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "broker"
    return f"shop: database={db} cache={cache} celery={celery}"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            if REQUIRE_SERVICES:
                pytest.fail("REQUIRE_SERVICES=1 but the database is not PostgreSQL")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            if REQUIRE_SERVICES:
                pytest.fail("REQUIRE_SERVICES=1 but REDIS_URL is not set")
            item.add_marker(pytest.mark.skip(reason="needs Redis (set REDIS_URL)"))


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test gets its own media folder and an empty cache, and a fast password hasher (the real
    one costs a quarter of a second per user, which dominated the suite)."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests read messages in English; shop/tests/test_i18n.py checks the Chinese default itself.
    settings.LANGUAGE_CODE = "en"
    from recommendations import buffer

    cache.clear()
    buffer.clear()  # behaviour events buffered in this process (no Redis) by an earlier test
    yield
    cache.clear()
    buffer.clear()


def _is_loopback(address) -> bool:
    """True for 127.0.0.0/8, ::1, localhost and Unix sockets (a path or bytes)."""
    if isinstance(address, (str, bytes)):
        return True  # AF_UNIX: a file, not the network
    host = address[0] if isinstance(address, tuple) and address else ""
    if host in ("localhost", "::1", "0:0:0:0:0:0:0:1", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost would need DNS: the network


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """No test reaches the network: a socket may connect to loopback only (PostgreSQL, Redis and a
    test's own stand-in servers on 127.0.0.1 keep working). Anything else raises at once instead of
    hanging on a timeout or, worse, talking to a real payment provider."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def refuse(address):
        raise OSError(f"tests may not reach the network: {address!r}")

    def connect(self, address):
        if not _is_loopback(address):
            refuse(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        if not _is_loopback(address):
            refuse(address)
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        if not _is_loopback(address):
            refuse(address)
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)


@pytest.fixture
def api_client():
    return APIClient()


def bearer(user) -> dict:
    """Authorization header with a fresh access token for `user`."""
    return {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}"}


@pytest.fixture
def user(db):
    from accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_user(db):
    from accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def merchant(db):
    from accounts.tests.factories import MerchantFactory

    return MerchantFactory()


@pytest.fixture
def staff(db):
    from accounts.tests.factories import StaffFactory

    return StaffFactory()


@pytest.fixture
def superuser(db):
    from accounts.tests.factories import SuperuserFactory

    return SuperuserFactory()


@pytest.fixture
def user_client(user):
    client = APIClient()
    client.credentials(**bearer(user))
    return client


@pytest.fixture
def merchant_client(merchant):
    client = APIClient()
    client.credentials(**bearer(merchant))
    return client


@pytest.fixture
def staff_client(staff):
    client = APIClient()
    client.credentials(**bearer(staff))
    return client


# --- A real headless Chromium for page tests ---------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SCREENSHOT_DIR = Path(
    os.environ.get("SCREENSHOT_DIR") or Path(__file__).parent / "build/screenshots"
)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Debian's chromedriver (no downloads)."""
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver must be installed in CI (make browser)")
        pytest.skip("chromium/chromedriver not installed (make browser)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        "--lang=en",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(2)
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, live_server):
    """The browser with a clean cookie jar, and a helper to open a path of the live server."""
    browser.delete_all_cookies()

    class Page:
        driver = browser
        base = live_server.url

        def open(self, path):
            browser.get(self.base + path)
            return browser

        def console_errors(self):
            return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]

        def resize(self, width, height=900):
            """375 for a phone; the session's browser is set back to 1280 after the test."""
            browser.set_window_size(width, height)

        def shot(self, name):
            """Save a screenshot for a person to look at: SCREENSHOT_DIR (CI prints where)."""
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(SCREENSHOT_DIR / f"{name}.png"))

    yield Page()
    browser.set_window_size(1280, 900)


@pytest.fixture
def flush_after_response_off():
    """Without Redis, buffered behaviour events are written once a response has gone
    (request_finished). Django's test client sends that signal inside `client.get`, so a test that
    counts a page's queries on the request path turns the write off; the events stay buffered."""
    from django.core.signals import request_finished

    from recommendations.providers import flush_after_request

    request_finished.disconnect(flush_after_request, dispatch_uid="recommendations-flush")
    yield
    request_finished.connect(flush_after_request, dispatch_uid="recommendations-flush")

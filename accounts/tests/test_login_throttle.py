import pytest
from django.core.cache import cache

from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.throttling import login_failure_record, login_failures_exceeded

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def attempt(client, username, password="wrong-password", ip="10.0.0.1"):
    return client.post(TOKEN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_sixth_failed_login_in_a_minute_is_429(api_client, user, settings):
    assert settings.LOGIN_FAILURE_LIMIT == 5
    for _ in range(5):
        assert attempt(api_client, user.username).status_code == 401
    response = attempt(api_client, user.username)
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_login_attempts"
    assert response.json()["retry_after"] == settings.LOGIN_FAILURE_WINDOW
    assert response["Retry-After"]
    # Even the right password is refused while locked out: that is the point.
    assert attempt(api_client, user.username, DEFAULT_PASSWORD).status_code == 429


def test_lockout_is_per_username_and_ip(api_client, user, other_user):
    for _ in range(5):
        attempt(api_client, user.username)
    assert attempt(api_client, user.username).status_code == 429
    # Another IP for the same user, and another user from the same IP, are unaffected.
    assert attempt(api_client, user.username, DEFAULT_PASSWORD, ip="10.0.0.2").status_code == 200
    assert attempt(api_client, other_user.username, DEFAULT_PASSWORD).status_code == 200


def test_the_username_is_counted_case_insensitively(api_client, user):
    for name in ["u", "U", "u", "U", "u"]:
        attempt(api_client, user.username.replace("u", name, 1))
    assert attempt(api_client, user.username.upper()).status_code == 429


def test_the_username_and_the_email_of_one_account_share_one_count(api_client, user):
    # Two names for the same password must not double the guesses an address gets.
    for name in [user.username, user.email.upper(), user.username, user.email, user.username]:
        assert attempt(api_client, name).status_code == 401
    for name in [user.username, user.email, f"  {user.email.title()} "]:
        assert attempt(api_client, name, DEFAULT_PASSWORD).status_code == 429


def test_success_resets_the_count(api_client, user):
    for _ in range(4):
        attempt(api_client, user.username)
    assert attempt(api_client, user.username, DEFAULT_PASSWORD).status_code == 200
    for _ in range(5):
        assert attempt(api_client, user.username).status_code == 401


def test_the_window_expires(api_client, user, settings):
    settings.LOGIN_FAILURE_WINDOW = 60
    for _ in range(5):
        attempt(api_client, user.username)
    assert attempt(api_client, user.username).status_code == 429
    cache.clear()  # what the cache's TTL does after LOGIN_FAILURE_WINDOW seconds
    assert attempt(api_client, user.username, DEFAULT_PASSWORD).status_code == 200


def test_page_login_uses_the_same_limiter(client, user):
    for _ in range(5):
        response = client.post(
            "/account/login/",
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.9",
        )
        assert response.status_code == 200
    response = client.post(
        "/account/login/",
        {"username": user.username, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "path,body",
    [
        (TOKEN, {"username": "nobody", "password": "x"}),
        ("/api/v1/auth/register/", {"username": "", "email": "", "password": ""}),
        ("/api/v1/auth/wechat/", {"code": ""}),
    ],
    ids=["login", "register", "wechat_login"],
)
def test_drf_scoped_throttles_apply(api_client, monkeypatch, path, body):
    from rest_framework.throttling import ScopedRateThrottle

    # The rates are read when the throttle class is defined; lower them all for this test.
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {"login": "2/min", "register": "2/min", "wechat_login": "2/min"},
    )
    for _ in range(2):
        assert api_client.post(path, body, REMOTE_ADDR="10.1.0.1").status_code != 429
    response = api_client.post(path, body, REMOTE_ADDR="10.1.0.1")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


@pytest.mark.redis
def test_limiter_on_the_real_redis_cache(settings):
    from django.conf import settings as live

    assert live.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    counts = [login_failure_record("redis-user", "10.2.0.1") for _ in range(5)]
    assert counts == [1, 2, 3, 4, 5]
    assert login_failures_exceeded("redis-user", "10.2.0.1")
    assert not login_failures_exceeded("redis-user", "10.2.0.2")
    ttl = cache.ttl(next(iter(cache.keys("login-failures:*"))))
    assert 0 < ttl <= settings.LOGIN_FAILURE_WINDOW


# --- The client address behind the limiter --------------------------------------------------------


def test_rotating_x_forwarded_for_does_not_dodge_the_api_limiter(api_client, user):
    # By default no proxy is trusted: the header is the client's own claim and must not count.
    for n in range(5):
        response = api_client.post(
            TOKEN,
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="10.3.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        assert response.status_code == 401
    for n in range(5, 7):
        response = api_client.post(
            TOKEN,
            {"username": user.username, "password": DEFAULT_PASSWORD},
            REMOTE_ADDR="10.3.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        assert response.status_code == 429


def test_rotating_x_forwarded_for_does_not_dodge_the_page_limiter(client, user):
    for n in range(5):
        client.post(
            "/account/login/",
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="10.3.0.2",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    response = client.post(
        "/account/login/",
        {"username": user.username, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.3.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_behind_one_proxy_the_address_it_appended_is_the_client(api_client, user, settings):
    # The proxy (REMOTE_ADDR) appends the address it saw; whatever the client put before it is noise.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def attempt_via_proxy(client_address, spoofed, password="wrong"):
        return api_client.post(
            TOKEN,
            {"username": user.username, "password": password},
            REMOTE_ADDR="10.0.0.254",
            HTTP_X_FORWARDED_FOR=f"{spoofed}, {client_address}",
        )

    for n in range(5):
        assert attempt_via_proxy("203.0.113.7", f"198.51.100.{n}").status_code == 401
    assert attempt_via_proxy("203.0.113.7", "198.51.100.9", DEFAULT_PASSWORD).status_code == 429
    # Another client behind the same proxy is not locked out (the setting really is in force).
    assert attempt_via_proxy("203.0.113.8", "198.51.100.0", DEFAULT_PASSWORD).status_code == 200


# --- Every way in shares the one limiter ------------------------------------------------------------

ADMIN_LOGIN = "/admin/login/"
PAGE_LOGIN = "/account/login/"
PASSWORD_CHANGE = "/api/v1/auth/password/"
ADMIN_PASSWORD_CHANGE = "/admin/password_change/"
LOCKED = "Too many failed login attempts"


def admin_attempt(client, username, password="wrong-password", ip="10.4.0.1"):
    return client.post(
        ADMIN_LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def page_attempt(client, username, password="wrong-password", ip="10.4.0.1"):
    return client.post(PAGE_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_admin_login_refuses_the_right_password_after_five_failures(client, staff):
    for _ in range(5):
        response = admin_attempt(client, staff.username)
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    response = admin_attempt(client, staff.username, DEFAULT_PASSWORD)
    # A form error on the login page (not a redirect into the admin, not a 500).
    assert response.status_code in (200, 429)
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_admin_login_below_the_limit_still_logs_in(client, staff):
    for _ in range(4):
        admin_attempt(client, staff.username)
    response = admin_attempt(client, staff.username, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


@pytest.mark.parametrize("locked_door", ["api", "page", "admin"])
def test_failures_on_every_door_add_up_and_lock_every_door(client, api_client, staff, locked_door):
    # Two wrong guesses on the API, two on the page, one on the admin: five in the same minute.
    for _ in range(2):
        assert attempt(api_client, staff.username, ip="10.4.0.1").status_code == 401
        assert page_attempt(client, staff.username).status_code == 200
    assert admin_attempt(client, staff.username).status_code == 200
    if locked_door == "api":
        response = attempt(api_client, staff.username, DEFAULT_PASSWORD, ip="10.4.0.1")
        assert response.status_code == 429
        assert "access" not in response.json()
    elif locked_door == "page":
        response = page_attempt(client, staff.username, DEFAULT_PASSWORD)
        assert response.status_code == 429
    else:
        response = admin_attempt(client, staff.username, DEFAULT_PASSWORD)
        assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_authenticate_itself_refuses_a_locked_out_pair(rf, user):
    # The gate is in the authentication backend: any caller of authenticate() (a future login
    # form, DRF's browsable-API login, basic auth) is refused, whatever it checks itself.
    from django.contrib.auth import authenticate

    request = rf.post("/", REMOTE_ADDR="10.4.0.7")
    for _ in range(5):
        assert authenticate(request, username=user.username, password="wrong") is None
    assert authenticate(request, username=user.username, password=DEFAULT_PASSWORD) is None
    # Another address is not locked out.
    other = rf.post("/", REMOTE_ADDR="10.4.0.8")
    assert authenticate(other, username=user.username, password=DEFAULT_PASSWORD) == user


def test_every_configured_backend_is_behind_the_limiter(settings):
    from django.contrib.auth import get_backends

    from accounts.backends import LoginLimitedBackend

    assert get_backends()
    for backend in get_backends():
        assert isinstance(backend, LoginLimitedBackend), backend


def test_api_password_change_counts_wrong_old_passwords(api_client, user):
    from conftest import bearer

    for _ in range(5):
        response = api_client.post(
            PASSWORD_CHANGE,
            {"old_password": "wrong", "new_password": "winter-plum-2026"},
            REMOTE_ADDR="10.4.0.3",
            **bearer(user),
        )
        assert response.status_code == 400
    response = api_client.post(
        PASSWORD_CHANGE,
        {"old_password": DEFAULT_PASSWORD, "new_password": "winter-plum-2026"},
        REMOTE_ADDR="10.4.0.3",
        **bearer(user),
    )
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_login_attempts"
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    # The same count: the login door is locked for this user and address too.
    assert attempt(api_client, user.username, DEFAULT_PASSWORD, ip="10.4.0.3").status_code == 429


def test_admin_password_change_counts_wrong_old_passwords(client, staff):
    client.force_login(staff)
    body = {"new_password1": "winter-plum-2026", "new_password2": "winter-plum-2026"}
    for _ in range(5):
        response = client.post(
            ADMIN_PASSWORD_CHANGE, {**body, "old_password": "wrong"}, REMOTE_ADDR="10.4.0.4"
        )
        assert response.status_code == 200
    response = client.post(
        ADMIN_PASSWORD_CHANGE, {**body, "old_password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.4.0.4"
    )
    assert response.status_code in (200, 429)
    assert LOCKED in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(DEFAULT_PASSWORD)


@pytest.mark.redis
def test_admin_and_api_share_the_count_on_redis(client, api_client, staff):
    from django.conf import settings as live

    assert live.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    for _ in range(3):
        attempt(api_client, staff.username, ip="10.4.0.5")
    for _ in range(2):
        admin_attempt(client, staff.username, ip="10.4.0.5")
    response = admin_attempt(client, staff.username, DEFAULT_PASSWORD, ip="10.4.0.5")
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert attempt(api_client, staff.username, DEFAULT_PASSWORD, ip="10.4.0.5").status_code == 429


# --- Concurrent guesses ------------------------------------------------------------------------------


def _parallel_guesses(rf, monkeypatch, username, n):
    """`n` wrong guesses for `username` from one address at once; returns how many reached the
    password check. The check is slowed down like a real hasher (PBKDF2 takes ~0.25 s), so every
    thread is past the door before the first failure is counted, as in a real burst."""
    import threading
    import time

    from django.contrib.auth import authenticate

    from accounts.backends import UsernameOrEmailBackend

    checked = []
    barrier = threading.Barrier(n)

    def slow_check(self, username, password):
        checked.append(username)
        time.sleep(0.2)
        return None

    monkeypatch.setattr(UsernameOrEmailBackend, "check_credentials", slow_check)

    def guess(i):
        from django.db import connection

        barrier.wait()
        try:
            authenticate(rf.post("/", REMOTE_ADDR="10.5.0.1"), username=username, password=f"g{i}")
        finally:
            connection.close()  # the limiter looks the account up on this thread's connection

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(checked)


def test_a_burst_of_parallel_guesses_gets_no_more_than_the_limit(rf, monkeypatch, settings):
    assert _parallel_guesses(rf, monkeypatch, "burst-user", 20) <= settings.LOGIN_FAILURE_LIMIT
    assert login_failures_exceeded("burst-user", "10.5.0.1")


@pytest.mark.redis
def test_a_burst_of_parallel_guesses_on_redis_gets_no_more_than_the_limit(
    rf, monkeypatch, settings
):
    from django.conf import settings as live

    assert live.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert _parallel_guesses(rf, monkeypatch, "burst-user", 20) <= settings.LOGIN_FAILURE_LIMIT

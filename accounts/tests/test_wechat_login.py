import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
from responses import matchers

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/wechat/"
CODE2SESSION = "https://wechat.test/sns/jscode2session"


@pytest.fixture(autouse=True)
def wechat_settings(settings):
    settings.WECHAT_MINI_APPID = "wx-test-app"
    settings.WECHAT_MINI_SECRET = "test-secret"
    settings.WECHAT_CODE2SESSION_URL = CODE2SESSION
    settings.WECHAT_TIMEOUT_SECONDS = 3


def answer(body, code="the-code", status=200):
    responses.get(
        CODE2SESSION,
        json=body,
        status=status,
        match=[
            matchers.query_param_matcher(
                {
                    "appid": "wx-test-app",
                    "secret": "test-secret",
                    "js_code": code,
                    "grant_type": "authorization_code",
                }
            ),
            matchers.request_kwargs_matcher({"timeout": 3}),
        ],
    )


@responses.activate
def test_new_openid_creates_a_customer_and_returns_tokens(api_client):
    answer({"openid": "o-new-123", "session_key": "k"})
    response = api_client.post(URL, {"code": "the-code"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["created"] is True
    user = User.objects.get(wechat_openid="o-new-123")
    assert user.role == "customer"
    assert not user.has_usable_password()
    assert user.email == "o-new-123@wechat.invalid"
    me = api_client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.json()["id"] == user.pk
    assert (
        api_client.post("/api/v1/auth/token/refresh/", {"refresh": body["refresh"]}).status_code
        == 200
    )


@responses.activate
def test_two_new_users_get_distinct_usernames(api_client):
    answer({"openid": "o-a"}, code="a")
    answer({"openid": "o-b"}, code="b")
    api_client.post(URL, {"code": "a"})
    api_client.post(URL, {"code": "b"})
    names = set(User.objects.values_list("username", flat=True))
    assert len(names) == 2


@responses.activate
def test_existing_openid_logs_the_same_user_in(api_client):
    existing = UserFactory(wechat_openid="o-known")
    answer({"openid": "o-known", "session_key": "k"})
    response = api_client.post(URL, {"code": "the-code"})
    assert response.status_code == 200
    assert response.json()["created"] is False
    assert User.objects.count() == 1
    me = api_client.get(
        "/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}"
    )
    assert me.json()["id"] == existing.pk


@responses.activate
def test_wechat_error_is_400_and_creates_nobody(api_client):
    answer({"errcode": 40029, "errmsg": "invalid code"})
    response = api_client.post(URL, {"code": "the-code"})
    assert response.status_code == 400
    assert response.json()["code"] == "wechat_code_invalid"
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ConnectTimeout(),
        requests.exceptions.ReadTimeout(),
        requests.ConnectionError(),
    ],
    ids=["connect-timeout", "read-timeout", "connection-error"],
)
@responses.activate
def test_timeout_or_connection_error_is_502_and_creates_nobody(api_client, failure):
    responses.get(CODE2SESSION, body=failure)
    response = api_client.post(URL, {"code": "the-code"})
    assert response.status_code == 502
    assert response.json()["code"] == "wechat_unavailable"
    assert not User.objects.exists()


@responses.activate
def test_non_json_or_server_error_is_502(api_client):
    responses.get(CODE2SESSION, body="<html>busy</html>", status=200)
    assert api_client.post(URL, {"code": "x"}).status_code == 502
    responses.replace(responses.GET, CODE2SESSION, json={"errcode": -1}, status=500)
    assert api_client.post(URL, {"code": "x"}).status_code == 502
    assert not User.objects.exists()


@responses.activate
def test_not_configured_is_503_without_calling_wechat(api_client, settings):
    settings.WECHAT_MINI_APPID = ""
    response = api_client.post(URL, {"code": "the-code"})
    assert response.status_code == 503
    assert response.json()["code"] == "wechat_not_configured"
    assert len(responses.calls) == 0


def test_missing_code_is_a_field_error(api_client):
    response = api_client.post(URL, {})
    assert response.status_code == 400
    assert "code" in response.json()


@responses.activate
def test_a_squatted_placeholder_address_does_not_break_the_wechat_login(api_client):
    # Registered before such addresses were refused (or typed into the admin): the WeChat user of
    # that openid still gets their own account, and the squatter keeps theirs untouched.
    squatter = UserFactory(email="o-victim@wechat.invalid")
    answer({"openid": "o-victim", "session_key": "k"})
    response = api_client.post(URL, {"code": "the-code"})
    assert response.status_code == 200, response.content
    assert response.json()["created"] is True
    user = User.objects.get(wechat_openid="o-victim")
    assert user.pk != squatter.pk
    assert user.email.endswith("@wechat.invalid") and user.email != squatter.email
    squatter.refresh_from_db()
    assert (squatter.email, squatter.wechat_openid) == ("o-victim@wechat.invalid", None)


@responses.activate
def test_a_concurrent_login_of_the_same_openid_returns_the_account_it_created(
    api_client, monkeypatch
):
    from accounts import services

    # The other request created the user after this one looked and before it inserted.
    winner = UserFactory(wechat_openid="o-race", email="o-race@wechat.invalid")
    real_lookup = services._wechat_user
    lookups = iter([None])
    monkeypatch.setattr(
        services, "_wechat_user", lambda openid: next(lookups, None) or real_lookup(openid)
    )
    answer({"openid": "o-race"})
    response = api_client.post(URL, {"code": "the-code"})
    assert response.status_code == 200, response.content
    assert response.json()["created"] is False
    assert User.objects.count() == 1
    me = api_client.get(
        "/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}"
    )
    assert me.json()["id"] == winner.pk


@pytest.mark.parametrize(
    "openid",
    ["o" * 65, "", "o-with space", "o-new\n", "o/../x", "o@x", 12345, None],
    ids=["65-chars", "empty", "space", "newline", "slash", "at", "number", "null"],
)
@responses.activate
def test_an_implausible_openid_from_wechat_is_502_and_creates_nobody(api_client, openid):
    answer({"openid": openid, "session_key": "k"})
    response = api_client.post(URL, {"code": "the-code"})
    assert response.status_code == 502
    assert response.json()["code"] == "wechat_unavailable"
    assert not User.objects.exists()


@responses.activate
def test_an_openid_of_64_characters_is_accepted(api_client):
    answer({"openid": "o" * 62 + "-_"})
    response = api_client.post(URL, {"code": "the-code"})
    assert response.status_code == 200, response.content
    assert User.objects.filter(wechat_openid="o" * 62 + "-_").exists()


class _Code2Session(BaseHTTPRequestHandler):
    """WeChat's jscode2session, played by a real HTTP server on 127.0.0.1: the login goes over a
    socket through `requests`, as in production, with nothing of ours mocked."""

    seen: ClassVar[list[dict[str, list[str]]]] = []

    def do_GET(self):
        query = parse_qs(urlparse(self.path).query)
        type(self).seen.append(query)
        known = query.get("appid") == ["wx-test-app"] and query.get("secret") == ["test-secret"]
        body = (
            {"openid": "o-local-stand-in", "session_key": "k"}
            if known and query.get("js_code") == ["local-code"]
            else {"errcode": 40029, "errmsg": "invalid code"}
        )
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_code2session(settings):
    _Code2Session.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Code2Session)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WECHAT_CODE2SESSION_URL = f"http://127.0.0.1:{server.server_port}/sns/jscode2session"
    yield _Code2Session
    server.shutdown()
    server.server_close()


def test_login_against_a_local_code2session_stand_in(api_client, local_code2session):
    response = api_client.post(URL, {"code": "local-code"})
    assert response.status_code == 200, response.json()
    user = User.objects.get(wechat_openid="o-local-stand-in")
    # The openid that WeChat JSAPI pay needs for this payer is now the user's.
    assert response.json()["created"] is True
    assert local_code2session.seen == [
        {
            "appid": ["wx-test-app"],
            "secret": ["test-secret"],
            "js_code": ["local-code"],
            "grant_type": ["authorization_code"],
        }
    ]
    me = api_client.get(
        "/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}"
    )
    assert me.json()["id"] == user.pk

    refused = api_client.post(URL, {"code": "another-code"})
    assert (refused.status_code, refused.json()["code"]) == (400, "wechat_code_invalid")
    assert User.objects.filter(wechat_openid__isnull=False).count() == 1

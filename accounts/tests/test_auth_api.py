import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import bearer
from core.testing.state import db_state

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/auth/me/"
PASSWORD = "/api/v1/auth/password/"


def login(client, username, password=DEFAULT_PASSWORD, **extra):
    return client.post(TOKEN, {"username": username, "password": password}, **extra)


# --- Register -----------------------------------------------------------------------------------------


def test_register_creates_a_customer_who_can_log_in(api_client):
    response = api_client.post(
        REGISTER,
        {"username": "lihua", "email": "LiHua@Example.com", "password": "plum-blossom-77"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {"id", "username", "email", "role"}
    assert "password" not in body
    assert body["role"] == "customer"
    user = User.objects.get(pk=body["id"])
    assert user.check_password("plum-blossom-77")
    assert not user.is_staff and not user.is_superuser
    assert login(api_client, "lihua", "plum-blossom-77").status_code == 200


def test_register_phone_is_optional_and_stored(api_client):
    response = api_client.post(
        REGISTER,
        {
            "username": "wang",
            "email": "w@example.com",
            "password": "plum-blossom-77",
            "phone": "13900001111",
        },
    )
    assert response.status_code == 201
    assert User.objects.get(username="wang").phone == "13900001111"


@pytest.mark.parametrize(
    "field,value",
    [("username", "ALICE"), ("email", "Alice@EXAMPLE.com")],
    ids=["username", "email"],
)
def test_register_duplicate_is_a_field_error_regardless_of_case(api_client, field, value):
    UserFactory(username="alice", email="alice@example.com")
    data = {"username": "bob", "email": "bob@example.com", "password": "plum-blossom-77"}
    data[field] = value
    before = db_state()
    response = api_client.post(REGISTER, data)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert User.objects.count() == 1
    assert db_state() == before


def test_register_runs_django_password_validators(api_client):
    before = db_state()
    response = api_client.post(
        REGISTER, {"username": "carol", "email": "c@example.com", "password": "12345678"}
    )
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(username="carol").exists()
    assert db_state() == before


def test_register_rejects_role_escalation(api_client):
    response = api_client.post(
        REGISTER,
        {
            "username": "mallory",
            "email": "m@example.com",
            "password": "plum-blossom-77",
            "role": "staff",
        },
    )
    assert response.status_code == 201
    assert User.objects.get(username="mallory").role == "customer"


# --- Token, refresh, logout ---------------------------------------------------------------------------


@pytest.mark.parametrize("login_with", ["username", "email", "EMAIL"])
def test_token_by_username_or_email(api_client, user, login_with):
    name = {"username": user.username, "email": user.email, "EMAIL": user.email.upper()}[login_with]
    response = login(api_client, name)
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}
    me = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 200
    assert me.json()["username"] == user.username


def test_token_wrong_password_is_401(api_client, user):
    response = login(api_client, user.username, "wrong-password")
    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


def test_token_inactive_user_is_refused(api_client):
    inactive = UserFactory(is_active=False)
    assert login(api_client, inactive.username).status_code == 401


def test_refresh_rotates_and_a_reused_refresh_is_401(api_client, user):
    first = login(api_client, user.username).json()
    rotated = api_client.post(REFRESH, {"refresh": first["refresh"]})
    assert rotated.status_code == 200
    pair = rotated.json()
    assert set(pair) == {"access", "refresh"}
    assert pair["refresh"] != first["refresh"]

    reused = api_client.post(REFRESH, {"refresh": first["refresh"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"

    # The new one still works (once).
    assert api_client.post(REFRESH, {"refresh": pair["refresh"]}).status_code == 200


@pytest.mark.parametrize("garbage", ["not-a-token", "", "a.b.c"])
def test_refresh_garbage_is_a_clear_error(api_client, garbage):
    response = api_client.post(REFRESH, {"refresh": garbage})
    assert response.status_code in (400, 401)
    body = response.json()
    assert "refresh" in body or body["code"] == "token_not_valid"


def test_refresh_of_a_deleted_user_is_401_not_500(api_client):
    doomed = UserFactory()
    refresh = str(RefreshToken.for_user(doomed))
    doomed.delete()
    response = api_client.post(REFRESH, {"refresh": refresh})
    assert response.status_code == 401


def test_logout_blacklists_the_refresh(api_client, user):
    tokens = login(api_client, user.username).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, **auth)
    assert response.status_code == 204
    assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}).status_code == 401


def test_logout_needs_authentication(api_client, user):
    tokens = login(api_client, user.username).json()
    response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_logout_with_someone_elses_refresh_is_refused_and_changes_nothing(
    api_client, user, other_user
):
    theirs = str(RefreshToken.for_user(other_user))
    response = api_client.post(LOGOUT, {"refresh": theirs}, **bearer(user))
    assert response.status_code == 400
    assert response.json()["code"] == "refresh_token_not_owned"
    assert api_client.post(REFRESH, {"refresh": theirs}).status_code == 200


def test_logout_with_garbage_is_400(api_client, user):
    response = api_client.post(LOGOUT, {"refresh": "garbage"}, **bearer(user))
    assert response.status_code == 400
    assert response.json()["code"] == "refresh_token_invalid"


# --- Me and password ----------------------------------------------------------------------------------


def test_me_shows_the_profile(user_client, user):
    body = user_client.get(ME).json()
    assert body["id"] == user.pk
    assert body["email"] == user.email
    assert body["phone"] == user.phone
    assert body["role"] == "customer"
    assert body["avatar_url"] is None


def test_me_avatar_url_is_absolute(user_client, user):
    user.avatar = "avatars/2026/01/me.png"
    user.save()
    assert (
        user_client.get(ME).json()["avatar_url"] == "http://testserver/media/avatars/2026/01/me.png"
    )


def test_me_patch_changes_contact_but_never_role_or_admin_flags(user_client, user):
    response = user_client.patch(
        ME,
        {
            "phone": "13700000000",
            "email": "new@example.com",
            "role": "staff",
            "is_staff": True,
            "is_superuser": True,
            "username": "renamed",
        },
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.phone, user.email) == ("13700000000", "new@example.com")
    assert user.role == "customer"
    assert not user.is_staff and not user.is_superuser
    assert user.username != "renamed"
    assert response.json()["role"] == "customer"


def test_me_patch_email_taken_by_someone_else_is_400(user_client, other_user):
    before = db_state()
    response = user_client.patch(ME, {"email": other_user.email.upper(), "phone": "13700000000"})
    assert response.status_code == 400
    assert "email" in response.json()
    assert db_state() == before  # the phone in the same request is not saved either


def test_me_put_is_not_allowed(user_client):
    assert user_client.put(ME, {"email": "x@example.com"}).status_code == 405


def test_password_change(user_client, user, api_client):
    response = user_client.post(
        PASSWORD, {"old_password": DEFAULT_PASSWORD, "new_password": "winter-plum-2026"}
    )
    assert response.status_code == 204
    assert login(api_client, user.username, "winter-plum-2026").status_code == 200
    assert login(api_client, user.username, DEFAULT_PASSWORD).status_code == 401


def test_password_change_revokes_every_refresh_token_of_the_user(api_client, user, other_user):
    stolen = login(api_client, user.username).json()["refresh"]
    second_device = login(api_client, user.username).json()["refresh"]
    someone_else = login(api_client, other_user.username).json()["refresh"]
    response = api_client.post(
        PASSWORD,
        {"old_password": DEFAULT_PASSWORD, "new_password": "winter-plum-2026"},
        **bearer(user),
    )
    assert response.status_code == 204
    for refresh in (stolen, second_device):
        refused = api_client.post(REFRESH, {"refresh": refresh})
        assert refused.status_code == 401
        assert refused.json()["code"] == "token_not_valid"
    # Other users keep their sessions; the user logs in afresh with the new password.
    assert api_client.post(REFRESH, {"refresh": someone_else}).status_code == 200
    fresh = login(api_client, user.username, "winter-plum-2026").json()["refresh"]
    assert api_client.post(REFRESH, {"refresh": fresh}).status_code == 200


def test_a_refused_password_change_revokes_nothing(api_client, user):
    refresh = login(api_client, user.username).json()["refresh"]
    response = api_client.post(
        PASSWORD, {"old_password": "nope", "new_password": "winter-plum-2026"}, **bearer(user)
    )
    assert response.status_code == 400
    assert api_client.post(REFRESH, {"refresh": refresh}).status_code == 200


def test_password_change_checks_old_password_and_validators(user_client, user):
    before = db_state()
    wrong_old = user_client.post(
        PASSWORD, {"old_password": "nope", "new_password": "winter-plum-2026"}
    )
    assert wrong_old.status_code == 400
    assert "old_password" in wrong_old.json()
    weak = user_client.post(PASSWORD, {"old_password": DEFAULT_PASSWORD, "new_password": "123"})
    assert weak.status_code == 400
    assert "new_password" in weak.json()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert db_state() == before


def test_register_race_lost_to_the_database_constraint_is_a_field_error(api_client, monkeypatch):
    # Both sign-ups passed the existence checks; the unique constraint decides.
    UserFactory(username="racer", email="racer@example.com")
    monkeypatch.setattr("accounts.services._username_taken", lambda *a, **k: False)
    monkeypatch.setattr("accounts.services._email_taken", lambda *a, **k: False)
    before = db_state()
    response = api_client.post(
        REGISTER, {"username": "racer", "email": "other@example.com", "password": "plum-blossom-77"}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["username"]
    response = api_client.post(
        REGISTER, {"username": "fresh", "email": "RACER@example.com", "password": "plum-blossom-77"}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert db_state() == before


def test_a_password_set_by_staff_in_the_admin_revokes_the_users_refresh_tokens(
    api_client, user, staff
):
    from django.test import Client

    stolen = login(api_client, user.username).json()["refresh"]
    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "autumn-maple-2026", "password2": "autumn-maple-2026"},
    )
    assert response.status_code == 302, response.content[:500]

    assert api_client.post(REFRESH, {"refresh": stolen}).status_code == 401
    assert login(api_client, user.username, "autumn-maple-2026").status_code == 200

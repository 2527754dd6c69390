"""Every way a password changes revokes the user's refresh tokens, by calling
accounts.services.user_password_set from where the change starts (no password_changed hook)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conftest import bearer

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
PASSWORD = "/api/v1/auth/password/"
NEW = "autumn-maple-2026"


def refresh_token(api_client, username, password=DEFAULT_PASSWORD) -> str:
    response = api_client.post(TOKEN, {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["refresh"]


def assert_revoked(api_client, *tokens):
    for token in tokens:
        refused = api_client.post(REFRESH, {"refresh": token})
        assert (refused.status_code, refused.json()["code"]) == (401, "token_not_valid")


def test_api_password_change_revokes(api_client, user, other_user):
    stolen = refresh_token(api_client, user.username)
    theirs = refresh_token(api_client, other_user.username)
    response = api_client.post(
        PASSWORD, {"old_password": DEFAULT_PASSWORD, "new_password": NEW}, **bearer(user)
    )
    assert response.status_code == 204
    assert_revoked(api_client, stolen)
    assert api_client.post(REFRESH, {"refresh": theirs}).status_code == 200


def test_admin_change_my_password_revokes(api_client, staff, user):
    stolen = refresh_token(api_client, staff.username)
    bystander = refresh_token(api_client, user.username)
    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        "/admin/password_change/",
        {"old_password": DEFAULT_PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302, response.content[:500]
    staff.refresh_from_db()
    assert staff.check_password(NEW)
    assert_revoked(api_client, stolen)
    assert api_client.post(REFRESH, {"refresh": bystander}).status_code == 200
    # The admin session survives its own password change (Django's update_session_auth_hash).
    assert admin.get("/admin/").status_code == 200


def test_admin_change_my_password_with_a_wrong_old_password_revokes_nothing(api_client, staff):
    token = refresh_token(api_client, staff.username)
    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        "/admin/password_change/",
        {"old_password": "nope", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    staff.refresh_from_db()
    assert staff.check_password(DEFAULT_PASSWORD)
    assert api_client.post(REFRESH, {"refresh": token}).status_code == 200


def test_admin_user_password_form_revokes(api_client, staff, user):
    stolen = refresh_token(api_client, user.username)
    admin = Client()
    admin.force_login(staff)
    response = admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"usable_password": "true", "password1": NEW, "password2": NEW},
    )
    assert response.status_code == 302, response.content[:500]
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert_revoked(api_client, stolen)


@pytest.mark.parametrize("command", ["create_staff", "create_merchant"])
def test_staff_account_ensure_of_an_existing_account_revokes(api_client, command):
    operator = UserFactory(username="ops")
    stolen = refresh_token(api_client, operator.username)
    call_command(command, "ops", email="ops@example.com", password=NEW)
    operator.refresh_from_db()
    assert operator.check_password(NEW)
    assert_revoked(api_client, stolen)
    assert User.objects.filter(username="ops").count() == 1


def test_manage_py_changepassword_revokes(api_client, user, other_user, monkeypatch):
    stolen = refresh_token(api_client, user.username)
    bystander = refresh_token(api_client, other_user.username)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)
    call_command("changepassword", user.username, stdout=io.StringIO())
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert_revoked(api_client, stolen)
    assert api_client.post(REFRESH, {"refresh": bystander}).status_code == 200


def test_manage_py_changepassword_refuses_a_weak_password_and_changes_nothing(
    api_client, user, monkeypatch
):
    kept = refresh_token(api_client, user.username)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "123")
    with pytest.raises(CommandError):
        call_command("changepassword", user.username, stdout=io.StringIO(), stderr=io.StringIO())
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert api_client.post(REFRESH, {"refresh": kept}).status_code == 200

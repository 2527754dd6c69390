"""What an e-mail address must be on every way in: at most 254 characters (the column; RFC 5321's
path limit) and never at the domain reserved for WeChat placeholders."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, email_of_length
from conftest import bearer

pytestmark = pytest.mark.django_db

TOO_LONG = [255, 320]  # 320 is the longest address Django's validator accepts
RESERVED = ["someone@wechat.invalid", "Someone@WeChat.INVALID"]
REFUSED = [email_of_length(n) for n in TOO_LONG] + RESERVED
IDS = [f"{n}-chars" for n in TOO_LONG] + ["reserved", "reserved-mixed-case"]


def api_register(api_client, email):
    return api_client.post(
        "/api/v1/auth/register/",
        {"username": "newcomer", "email": email, "password": "plum-blossom-77"},
    )


def page_register(client, email):
    return client.post(
        "/account/register/",
        {
            "username": "newcomer",
            "email": email,
            "password1": "plum-blossom-77",
            "password2": "plum-blossom-77",
        },
    )


@pytest.mark.parametrize("email", REFUSED, ids=IDS)
def test_api_register_refuses_the_address_as_a_field_error(api_client, email):
    response = api_register(api_client, email)
    assert response.status_code == 400
    assert "email" in response.json()
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize("email", REFUSED, ids=IDS)
def test_register_page_refuses_the_address_as_a_field_error(client, email):
    response = page_register(client, email)
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize("email", REFUSED, ids=IDS)
def test_profile_page_refuses_the_address(client, user, email):
    client.force_login(user)
    response = client.post("/account/", {"email": email, "phone": ""})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert User.objects.get(pk=user.pk).email == user.email


@pytest.mark.parametrize("email", REFUSED, ids=IDS)
def test_me_patch_refuses_the_address(api_client, user, email):
    response = api_client.patch("/api/v1/auth/me/", {"email": email}, **bearer(user))
    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.get(pk=user.pk).email == user.email


@pytest.mark.parametrize("email", REFUSED, ids=IDS)
def test_create_staff_refuses_the_address(email):
    with pytest.raises(CommandError, match="email"):
        call_command("create_staff", "boss", "--email", email, "--password", "plum-blossom-77")
    assert not User.objects.filter(username="boss").exists()


def test_the_longest_allowed_address_registers_and_logs_in(api_client, client):
    email = email_of_length(254)
    assert api_register(api_client, email).status_code == 201
    login = api_client.post(
        "/api/v1/auth/token/", {"username": email, "password": "plum-blossom-77"}
    )
    assert login.status_code == 200
    user = User.objects.get(username="newcomer")
    client.force_login(user)
    other = email_of_length(254).replace("a", "c", 1)
    assert client.post("/account/", {"email": other, "phone": ""}).status_code == 302
    assert User.objects.get(pk=user.pk).email == other


def test_a_wechat_user_may_save_their_profile_with_the_placeholder_unchanged(client):
    # Their placeholder is the one reserved address they may keep (they cannot have another yet).
    user = User.objects.create_user(
        "wx_1", email="o-abc@wechat.invalid", password=DEFAULT_PASSWORD, wechat_openid="o-abc"
    )
    client.force_login(user)
    response = client.post("/account/", {"email": "o-abc@wechat.invalid", "phone": "13900000000"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.phone) == ("o-abc@wechat.invalid", "13900000000")

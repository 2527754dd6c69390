import re

import pytest
from django.test import Client

from accounts import services
from accounts.models import Address, User
from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def csrf_token(response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match is not None, "no CSRF token on the page"
    return match[1]


def test_login_page_refuses_a_post_without_csrf_and_accepts_one_with_it(user):
    client = Client(enforce_csrf_checks=True)
    refused = client.post(
        "/account/login/", {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session

    token = csrf_token(client.get("/account/login/"))
    accepted = client.post(
        "/account/login/",
        {"username": user.username, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert accepted.status_code == 302
    assert accepted["Location"] == "/account/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_page_accepts_the_email_too(client, user):
    response = client.post(
        "/account/login/", {"username": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_page_wrong_password_shows_the_form_again(client, user):
    response = client.post("/account/login/", {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_register_page_creates_and_logs_in(client):
    response = client.post(
        "/account/register/",
        {
            "username": "zhaolei",
            "email": "zl@example.com",
            "password1": "plum-blossom-77",
            "password2": "plum-blossom-77",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="zhaolei")
    assert user.role == "customer"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_register_page_shows_field_errors(client, user):
    response = client.post(
        "/account/register/",
        {
            "username": user.username.upper(),
            "email": "fresh@example.com",
            "password1": "plum-blossom-77",
            "password2": "different-77-plum",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "password2" in form.errors
    assert User.objects.count() == 1
    response = client.post(
        "/account/register/",
        {
            "username": user.username.upper(),
            "email": "fresh@example.com",
            "password1": "plum-blossom-77",
            "password2": "plum-blossom-77",
        },
    )
    assert "username" in response.context["form"].errors
    assert User.objects.count() == 1


def test_pages_use_the_api_field_names_with_labels(client):
    html = client.get("/account/register/").content.decode()
    for name in ("username", "email", "password1", "password2"):
        assert f'name="{name}"' in html
        assert f'for="id_{name}"' in html
    assert '<input type="search" name="q"' in html or 'type="search" name="q"' in html
    assert 'action="/search/"' in html
    assert 'href="/cart/"' in html
    assert html.count("<main") == 1
    assert "favicon.svg" in html
    # Nothing from another host.
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_logout_is_post_only(client, user):
    client.force_login(user)
    assert client.get("/account/logout/").status_code == 405
    assert client.post("/account/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_profile_needs_login_and_edits_email_and_phone_but_not_role(client, user):
    assert client.get("/account/")["Location"].startswith("/account/login/")
    client.force_login(user)
    page = client.get("/account/")
    assert 'data-role="customer"' in page.content.decode()
    response = client.post(
        "/account/", {"email": "renewed@example.com", "phone": "13600000000", "role": "staff"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.phone, user.role) == ("renewed@example.com", "13600000000", "customer")


def test_address_pages_add_edit_default_delete(client, user):
    client.force_login(user)
    data = {
        "full_name": "王五",
        "phone": "13500000000",
        "country": "CN",
        "province": "江苏省",
        "city": "南京市",
        "district": "",
        "street": "中山路 1 号",
        "postal_code": "",
    }
    assert client.post("/account/addresses/new/", data).status_code == 302
    assert client.post("/account/addresses/new/", {**data, "city": "苏州市"}).status_code == 302
    first, second = Address.objects.filter(user=user).order_by("pk")
    assert first.is_default and not second.is_default

    client.post(f"/account/addresses/{second.pk}/default/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default

    client.post(f"/account/addresses/{first.pk}/edit/", {**data, "street": "北京东路 2 号"})
    first.refresh_from_db()
    assert first.street == "北京东路 2 号"

    client.post(f"/account/addresses/{second.pk}/delete/")
    assert list(Address.objects.filter(user=user).values_list("pk", "is_default")) == [
        (first.pk, True)
    ]
    page = client.get("/account/addresses/").content.decode()
    assert "北京东路 2 号" in page


def test_address_pages_of_someone_else_are_404(client, user, other_user):
    theirs = services.address_create(
        other_user, full_name="x", phone="1", province="p", city="c", street="s"
    )
    client.force_login(user)
    assert client.get(f"/account/addresses/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/account/addresses/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/account/addresses/{theirs.pk}/default/").status_code == 404
    assert Address.objects.filter(pk=theirs.pk).exists()


def test_api_registration_and_page_login_share_one_user_table(api_client, client):
    api_client.post(
        "/api/v1/auth/register/",
        {"username": "shared", "email": "shared@example.com", "password": "plum-blossom-77"},
    )
    response = client.post("/account/login/", {"username": "shared", "password": "plum-blossom-77"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="shared").pk)

"""The JWT blacklist's admin (simplejwt's token_blacklist): a refresh token is a password.

simplejwt's own admin shows each outstanding refresh token in full on its change page, so anyone
who may view the table (every staff member) could copy a superuser's live refresh token and act
as them through the API. The tokens are listed by jti, user and dates only."""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("viewer", ["staff", "superuser"])
def test_outstanding_token_pages_never_show_the_token(request, staff, superuser, viewer):
    refresh = str(RefreshToken.for_user(superuser))
    outstanding = OutstandingToken.objects.get(user=superuser)
    client = logged_in(request.getfixturevalue(viewer))
    base = "/admin/token_blacklist/outstandingtoken/"
    for url in (base, f"{base}{outstanding.pk}/change/", f"{base}?q={outstanding.jti}"):
        response = client.get(url)
        assert response.status_code == 200
        assert refresh not in response.content.decode()
        assert refresh.split(".")[1] not in response.content.decode()  # not even the payload
    assert outstanding.jti in client.get(f"{base}{outstanding.pk}/change/").content.decode()
    # The token still works for its owner: hidden, not broken.
    answer = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert answer.status_code == 200


def test_blacklisted_token_pages_never_show_the_token(staff, superuser):
    refresh = RefreshToken.for_user(superuser)
    text = str(refresh)
    refresh.blacklist()
    client = logged_in(staff)
    base = "/admin/token_blacklist/blacklistedtoken/"
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    row = BlacklistedToken.objects.get()
    for url in (base, f"{base}{row.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200
        assert text.split(".")[1] not in response.content.decode()

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework.exceptions import NotAuthenticated

from accounts.permissions import signed_in_user
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_signed_in_user_is_the_requests_user():
    request = RequestFactory().get("/")
    request.user = UserFactory()
    assert signed_in_user(request) == request.user


def test_a_guest_is_a_401_not_a_query_for_anonymoususer():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(NotAuthenticated):
        signed_in_user(request)

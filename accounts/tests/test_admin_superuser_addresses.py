"""A superuser is a superuser's matter, their addresses too: staff may view them, not change,
delete or add one for them (accounts.admin.UserAdmin refuses the user's own page already)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from accounts.models import Address
from accounts.tests.factories import AddressFactory

pytestmark = pytest.mark.django_db

BASE = "/admin/accounts/address/"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def form_data(address, **changes):
    data = {
        "full_name": address.full_name,
        "phone": address.phone,
        "province": address.province,
        "city": address.city,
        "district": address.district,
        "street": address.street,
        "postal_code": address.postal_code,
        "country": address.country,
        "user": address.user_id,
    }
    return {**data, **changes}


def test_staff_cannot_change_delete_or_add_a_superusers_address(staff, superuser):
    address = AddressFactory(user=superuser, street="1 Old Road")
    client = logged_in(staff)
    page = client.get(f"{BASE}{address.pk}/change/")
    assert page.status_code == 200  # viewing stays
    client.post(f"{BASE}{address.pk}/change/", form_data(address, street="6 Attacker Lane"))
    client.post(f"{BASE}{address.pk}/delete/", {"post": "yes"})
    client.post(
        BASE, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [address.pk], "post": "yes"}
    )
    address.refresh_from_db()
    assert address.street == "1 Old Road"
    client.post(f"{BASE}add/", form_data(address, street="7 Planted Street"))
    assert list(Address.objects.filter(user=superuser).values_list("street", flat=True)) == [
        "1 Old Road"
    ]


def test_staff_still_edit_a_customers_address_and_a_superuser_edits_any(staff, superuser, user):
    mine = AddressFactory(user=user, street="1 Old Road")
    theirs = AddressFactory(user=superuser, street="1 Old Road")
    logged_in(staff).post(f"{BASE}{mine.pk}/change/", form_data(mine, street="2 New Road"))
    logged_in(superuser).post(f"{BASE}{theirs.pk}/change/", form_data(theirs, street="2 New Road"))
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.street, theirs.street) == ("2 New Road", "2 New Road")

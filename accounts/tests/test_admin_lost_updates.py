"""User and address edits in the admin write only what was edited: a password, role or default
address a service committed meanwhile stays."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import services
from accounts.models import Address, User
from accounts.tests.factories import DEFAULT_PASSWORD, AddressFactory, UserFactory
from core.testing.admin_race import change_form_data, race_admin_save

NEW_PASSWORD = "Another-long-pass-42"


@pytest.fixture
def admin_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def user_url(user):
    return f"/admin/accounts/user/{user.pk}/change/"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_user_edit_racing_password_and_role_changes_keeps_them(admin_client):
    target = UserFactory()
    data = change_form_data(admin_client, user_url(target), phone="13700000001")

    def services_commit():
        services.password_change(
            target, old_password=DEFAULT_PASSWORD, new_password=NEW_PASSWORD, ip=""
        )
        services.user_set_role(User.objects.get(pk=target.pk), role=User.Role.MERCHANT)

    response, _ = race_admin_save(
        lambda: admin_client.post(user_url(target), data), services_commit, "accounts_user"
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.phone == "13700000001"
    assert target.check_password(NEW_PASSWORD)  # the old password does not come back
    assert (target.role, target.is_staff, target.is_superuser) == ("merchant", True, False)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_address_edit_racing_set_default_keeps_the_new_default(admin_client):
    first = AddressFactory(is_default=True)
    second = AddressFactory(user=first.user, is_default=False)
    url = f"/admin/accounts/address/{first.pk}/change/"
    data = change_form_data(admin_client, url, street="新街 1 号")

    response, _ = race_admin_save(
        lambda: admin_client.post(url, data),
        lambda: services.address_set_default(first.user, address_id=second.pk),
        # Paused before address_update locks the owner: the default moves first.
        pattern=r'^\s*SELECT .* FROM "accounts_user" .* FOR UPDATE',
    )

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.street == "新街 1 号"
    assert (first.is_default, second.is_default) == (False, True)


@pytest.mark.django_db
def test_user_edit_writes_only_the_edited_fields(admin_client):
    target = UserFactory()

    data = change_form_data(admin_client, user_url(target), phone="13700000002")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(user_url(target), data)

    assert response.status_code == 302
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "accounts_user" SET')]
    assert len(updates) == 1
    set_list = updates[0].split(" SET ")[1].split(" WHERE ")[0]
    assert set_list.startswith('"phone" = ')
    for column in ("password", "is_staff", "is_superuser", "role", "last_login"):
        assert f'"{column}"' not in set_list
    assert Address.objects.count() == 0


@pytest.mark.django_db
def test_deleting_the_default_address_in_the_user_inline_passes_the_default_on(admin_client):
    old = AddressFactory(is_default=False)
    default = AddressFactory(user=old.user, is_default=True)
    data = change_form_data(admin_client, user_url(old.user))
    row = next(i for i in range(2) if data[f"addresses-{i}-id"] == str(default.pk))
    data[f"addresses-{row}-DELETE"] = "on"

    response = admin_client.post(user_url(old.user), data)

    assert response.status_code == 302
    assert list(Address.objects.filter(user=old.user).values_list("pk", "is_default")) == [
        (old.pk, True)
    ]


@pytest.mark.django_db
def test_address_admin_does_not_move_an_address_to_another_user(admin_client):
    address = AddressFactory(is_default=True)
    owner, stranger = address.user, UserFactory()
    url = f"/admin/accounts/address/{address.pk}/change/"
    data = change_form_data(admin_client, url, street="新街 2 号")
    data["user"] = str(stranger.pk)

    response = admin_client.post(url, data)

    # The owner stays (an address is its user's, and address_update works on one user's rows).
    assert response.status_code == 302
    address.refresh_from_db()
    assert (address.user_id, address.street, address.is_default) == (owner.pk, "新街 2 号", True)
    assert not Address.objects.filter(user=stranger).exists()

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from accounts import services
from accounts.models import User
from accounts.roles import MERCHANT_GROUP
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_after_migrate_the_merchant_group_holds_catalog_inventory_and_order_permissions():
    group = Group.objects.get(name=MERCHANT_GROUP)
    perms = set(group.permissions.values_list("content_type__app_label", "codename"))
    for expected in [
        ("catalog", "change_product"),
        ("catalog", "add_productvariant"),
        ("inventory", "change_stock"),
        ("orders", "view_order"),
        ("orders", "change_order"),
    ]:
        assert expected in perms
    assert not any(app == "accounts" for app, _ in perms)


def test_the_role_groups_hold_exactly_their_permissions_and_the_sync_is_idempotent():
    from django.contrib.auth.models import Permission

    from accounts.roles import STAFF_GROUP, role_groups_sync

    merchant = Group.objects.get(name=MERCHANT_GROUP)
    staff = Group.objects.get(name=STAFF_GROUP)
    # Granted by an earlier version of the sync (or by hand): the sync takes it away again.
    view_user = Permission.objects.get(content_type__app_label="accounts", codename="view_user")
    merchant.permissions.add(view_user)

    first = role_groups_sync()
    assert role_groups_sync() == first  # idempotent

    held = set(merchant.permissions.all())
    assert view_user not in held
    # Payments: view only, for merchants and staff alike (nobody edits a payment row).
    for group in (merchant, staff):
        payments = {
            p.codename for p in group.permissions.filter(content_type__app_label="payments")
        }
        assert payments and all(codename.startswith("view_") for codename in payments)
    payments_held = {perm for perm in held if perm.content_type.app_label == "payments"}
    assert held - payments_held == set(
        Permission.objects.filter(
            content_type__app_label__in=["catalog", "inventory", "orders", "promotions"]
        ).exclude(codename="can_refund")
    )
    # Staff: everything else, refunds included, but no superuser matters (accounts.admin).
    staff_held = set(staff.permissions.values_list("content_type__app_label", "codename"))
    assert {("orders", "can_refund"), ("accounts", "change_user"), ("auth", "change_group")} <= (
        staff_held
    )
    assert first == {STAFF_GROUP: len(staff_held), MERCHANT_GROUP: len(held)}


def test_roles_sync_command_prints_the_groups(capsys):
    call_command("roles_sync")
    out = capsys.readouterr().out.split()
    assert out[0] == "Staff" and out[2] == "Merchant" and int(out[1]) > int(out[3]) > 0


def test_a_customer_cannot_reach_the_admin(client, user):
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    login = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200  # the form again, with "not a staff account"
    assert client.get("/admin/catalog/product/").status_code == 302


def test_a_merchant_logs_into_the_admin_and_sees_catalog_inventory_and_orders(client):
    merchant = services.user_create(
        username="shopkeeper", email="sk@example.com", password=DEFAULT_PASSWORD, role="merchant"
    )
    response = client.post(
        "/admin/login/?next=/admin/", {"username": merchant.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    index = client.get("/admin/")
    assert index.status_code == 200
    shown = {app["app_label"] for app in index.context["app_list"]}
    registered = {model._meta.app_label for model in admin.site._registry}
    # Every merchant app with admin pages is on the merchant's index (apps register as they land).
    assert {"catalog", "inventory", "orders"} & registered <= shown
    assert "orders" in shown
    assert "accounts" not in shown  # merchants do not manage users
    for perm in ("catalog.change_product", "inventory.change_stock", "orders.change_order"):
        assert merchant.has_perm(perm)
    assert client.get("/admin/accounts/user/").status_code == 403


def test_changing_the_role_in_the_admin_syncs_staff_flags_and_group(client, staff):
    customer = UserFactory()
    client.force_login(staff)
    url = f"/admin/accounts/user/{customer.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "role": "merchant",
            "groups": [],
            "user_permissions": [],
            "date_joined_0": customer.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": customer.date_joined.strftime("%H:%M:%S"),
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
            "addresses-MIN_NUM_FORMS": "0",
            "addresses-MAX_NUM_FORMS": "1000",
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data = {k: v for k, v in data.items() if v != ""}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.role == "merchant"
    assert customer.is_staff and not customer.is_superuser
    assert customer.groups.filter(name=MERCHANT_GROUP).exists()


def test_user_set_role_round_trip():
    user = UserFactory()
    extra = Group.objects.create(name="Newsletter editors")
    user.groups.add(extra)
    services.user_set_role(user, role="staff")
    assert user.is_staff and not user.is_superuser  # a role never makes a superuser
    assert set(user.groups.values_list("name", flat=True)) == {"Staff", extra.name}
    services.user_set_role(user, role="merchant")
    assert user.is_staff and not user.is_superuser
    assert set(user.groups.values_list("name", flat=True)) == {MERCHANT_GROUP, extra.name}
    services.user_set_role(user, role="customer")
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser
    assert list(user.groups.all()) == [extra]


def test_a_role_does_not_take_the_superuser_flag_away(superuser):
    services.user_set_role(superuser, role="staff")
    superuser.refresh_from_db()
    assert superuser.is_superuser and superuser.is_staff


@pytest.mark.parametrize(
    "command,role", [("create_staff", "staff"), ("create_merchant", "merchant")]
)
def test_create_staff_and_merchant_commands_are_idempotent(command, role):
    call_command(command, "boss", "--email", "boss@example.com", "--password", "plum-blossom-77")
    user = User.objects.get(username="boss")
    assert user.role == role and user.is_staff and not user.is_superuser
    assert [group.name for group in user.groups.all()] == [role.capitalize()]
    assert user.check_password("plum-blossom-77")

    call_command(command, "boss", "--email", "boss@example.com", "--password", "another-plum-88")
    assert User.objects.filter(username="boss").count() == 1
    user.refresh_from_db()
    assert user.check_password("another-plum-88")
    assert user.role == role


def test_create_merchant_promotes_an_existing_customer():
    customer = UserFactory(username="cust")
    call_command(
        "create_merchant", "cust", "--email", customer.email, "--password", "plum-blossom-77"
    )
    customer.refresh_from_db()
    assert customer.role == "merchant" and customer.is_staff
    assert customer.groups.filter(name=MERCHANT_GROUP).exists()


@pytest.mark.parametrize(
    "email,password,message",
    [("not-an-email", "plum-blossom-77", "email"), ("ok@example.com", "123", "password")],
)
def test_create_staff_rejects_bad_email_or_password(email, password, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_staff", "boss", "--email", email, "--password", password)
    assert not User.objects.filter(username="boss").exists()


def test_create_staff_refuses_an_email_of_another_user(user):
    with pytest.raises(CommandError, match="email"):
        call_command(
            "create_staff", "boss", "--email", user.email.upper(), "--password", "plum-blossom-77"
        )


def test_the_role_groups_migration_renames_the_old_merchant_group_and_fills_the_groups():
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("accounts.migrations.0003_role_groups")
    Group.objects.filter(name__in=["Staff", MERCHANT_GROUP]).delete()
    old = Group.objects.create(name="merchant")
    merchant = UserFactory(role="merchant", is_staff=True)
    merchant.groups.add(old)
    staff = UserFactory(role="staff", is_staff=True)

    for _ in range(2):  # re-runnable
        migration.forwards(apps, SimpleNamespace(connection=connection))

    assert Group.objects.get(pk=old.pk).name == MERCHANT_GROUP
    assert list(merchant.groups.values_list("name", flat=True)) == [MERCHANT_GROUP]
    assert list(staff.groups.values_list("name", flat=True)) == ["Staff"]
    assert Group.objects.get(name="Staff").permissions.filter(codename="can_refund").exists()

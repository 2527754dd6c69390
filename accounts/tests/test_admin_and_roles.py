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


def test_the_merchant_group_holds_exactly_the_merchant_apps_permissions():
    from django.contrib.auth.models import Permission

    from accounts.roles import merchant_group_sync_permissions

    group = Group.objects.get(name=MERCHANT_GROUP)
    # Payments are view-only for merchants: refunds stay staff-only.
    refund = Permission.objects.get(content_type__app_label="payments", codename="add_refund")
    view_payment = Permission.objects.get(
        content_type__app_label="payments", codename="view_payment"
    )
    # Granted by an earlier version of the sync (or by hand): the sync takes it away again.
    view_user = Permission.objects.get(content_type__app_label="accounts", codename="view_user")
    group.permissions.add(view_user)

    merchant_group_sync_permissions()
    merchant_group_sync_permissions()  # idempotent

    held = set(group.permissions.all())
    assert refund not in held and view_user not in held
    assert view_payment in held
    payments_held = {perm for perm in held if perm.content_type.app_label == "payments"}
    assert payments_held == set(
        Permission.objects.filter(content_type__app_label="payments", codename__startswith="view_")
    )
    assert held - payments_held == set(
        Permission.objects.filter(
            content_type__app_label__in=["catalog", "inventory", "orders", "promotions"]
        )
    )


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
    services.user_set_role(user, role="staff")
    assert user.is_staff and user.is_superuser
    services.user_set_role(user, role="merchant")
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name=MERCHANT_GROUP).exists()
    services.user_set_role(user, role="customer")
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser
    assert not user.groups.exists()


@pytest.mark.parametrize(
    "command,role", [("create_staff", "staff"), ("create_merchant", "merchant")]
)
def test_create_staff_and_merchant_commands_are_idempotent(command, role):
    call_command(command, "boss", "--email", "boss@example.com", "--password", "plum-blossom-77")
    user = User.objects.get(username="boss")
    assert user.role == role and user.is_staff
    assert user.is_superuser is (role == "staff")
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

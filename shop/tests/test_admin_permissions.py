"""Who may open what in the back office, for every admin page there is (accounts.roles).

Staff open every list; a merchant opens the catalogue, stock, orders, coupons, reviews, home content
and (read-only) payments, and gets 403 on everything else: users and addresses above all. Nobody,
superusers included, edits a stock quantity, an order's amounts or a payment row by hand.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import AddressFactory, UserFactory
from catalog.models import Review
from catalog.tests.factories import VariantFactory
from inventory.models import Stock
from inventory.services import stock_receive
from inventory.tests.factories import WarehouseFactory
from orders.tests.factories import order_with_lines
from payments.models import Payment, PaymentNotification, Refund
from promotions.models import CouponTemplate

pytestmark = pytest.mark.django_db

# The apps a merchant works in (accounts.roles): catalog holds reviews and home content.
MERCHANT_APPS = {"catalog", "inventory", "orders", "promotions", "payments"}
READ_ONLY_MODELS = (Payment, Refund, PaymentNotification)


@pytest.fixture
def shop_data(db):
    """One row of most things the admin lists, so changelists and change pages render rows."""
    customer = UserFactory(phone="13911112222")
    AddressFactory(user=customer)
    variant = VariantFactory()
    warehouse = WarehouseFactory()
    stock = stock_receive(variant, warehouse=warehouse, quantity=10)
    order, _lines = order_with_lines([(variant, 2)], user=customer)
    payment = Payment.objects.create(
        order=order,
        gateway="sandbox",
        amount=order.total,
        out_trade_no="PAYTEST0001",
        status=Payment.Status.SUCCEEDED,
        attention=Payment.Attention.AMOUNT_MISMATCH,
    )
    Refund.objects.create(
        payment=payment, amount=Decimal("1.00"), out_request_no="REFTEST0001", status="failed"
    )
    PaymentNotification.objects.create(gateway="sandbox", outcome="bad_signature")
    Review.objects.create(product=variant.product, user=customer, rating=5, body="Good")
    now = timezone.now()
    CouponTemplate.objects.create(
        name="Ten off",
        code="TEN",
        kind="fixed",
        value=Decimal("10.00"),
        valid_from=now,
        valid_to=now + timedelta(days=7),
        total_quantity=10,
    )
    return {"customer": customer, "stock": stock, "order": order, "payment": payment}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def registered():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_changelist_staff_200_merchant_200_only_in_their_apps(shop_data, staff, merchant):
    as_staff, as_merchant = logged_in(staff), logged_in(merchant)
    assert registered()
    for model in registered():
        url = admin_url(model, "changelist")
        assert as_staff.get(url).status_code == 200, url
        expected = 200 if model._meta.app_label in MERCHANT_APPS else 403
        assert as_merchant.get(url).status_code == expected, url


def test_every_change_page_with_a_row_staff_200_merchant_200_only_in_their_apps(
    shop_data, staff, merchant
):
    as_staff, as_merchant = logged_in(staff), logged_in(merchant)
    seen = set()
    for model in registered():
        row = model._default_manager.order_by("pk").first()
        if row is None:
            continue
        seen.add(model)
        url = admin_url(model, "change", row.pk)
        assert as_staff.get(url).status_code == 200, url
        expected = 200 if model._meta.app_label in MERCHANT_APPS else 403
        assert as_merchant.get(url).status_code == expected, url
    assert {User, Stock, Payment, Review, CouponTemplate} <= seen


def test_a_merchant_sees_no_personal_data_beyond_the_order(shop_data, merchant):
    client = logged_in(merchant)
    customer = shop_data["customer"]
    address = customer.addresses.get()
    for url in (
        admin_url(User, "changelist"),
        admin_url(User, "change", customer.pk),
        admin_url(User, "delete", customer.pk),
        reverse("admin:auth_user_password_change", args=[customer.pk]),
        admin_url(type(address), "changelist"),
        admin_url(type(address), "change", address.pk),
    ):
        assert client.get(url).status_code == 403, url
    index = client.get("/admin/")
    assert "accounts" not in {app["app_label"] for app in index.context["app_list"]}
    # The order shows what shipping needs (its address snapshot), not the account's e-mail/phone.
    order = shop_data["order"]
    for url in (admin_url(type(order), "changelist"), admin_url(type(order), "change", order.pk)):
        body = client.get(url).content.decode()
        assert order.number in body
        assert customer.email not in body and customer.phone not in body, url


def test_a_merchant_changes_the_catalogue_and_stock_thresholds_but_not_users(shop_data, merchant):
    for perm in (
        "catalog.change_product",
        "catalog.change_review",
        "inventory.change_stock",
        "orders.change_order",
        "promotions.add_coupontemplate",
        "payments.view_payment",
    ):
        assert merchant.has_perm(perm), perm
    for perm in (
        "accounts.view_user",
        "accounts.view_address",
        "auth.change_group",
        "orders.can_refund",
        "payments.change_payment",
    ):
        assert not merchant.has_perm(perm), perm


@pytest.mark.parametrize("role", ["staff", "merchant", "superuser"])
def test_payment_rows_are_read_only_for_everyone(rf, shop_data, role, request):
    who = request.getfixturevalue(role)
    http = rf.get("/admin/")
    http.user = who
    payment = shop_data["payment"]
    for model in READ_ONLY_MODELS:
        model_admin = admin.site._registry[model]
        row = model._default_manager.first()
        assert model_admin.has_view_permission(http, row)
        assert not model_admin.has_add_permission(http)
        assert not model_admin.has_change_permission(http, row)
        assert not model_admin.has_delete_permission(http, row)
    client = logged_in(who)
    forged = {"amount": "0.01", "status": "refunded", "attention": ""}
    assert client.post(admin_url(Payment, "change", payment.pk), forged).status_code == 403
    assert client.post(admin_url(Payment, "delete", payment.pk), {"post": "yes"}).status_code == 403
    assert client.post(admin_url(Payment, "add"), forged).status_code == 403
    payment.refresh_from_db()
    assert (payment.amount, payment.status, payment.attention) == (
        shop_data["order"].total,
        "succeeded",
        "amount_mismatch",
    )


@pytest.mark.parametrize("role", ["staff", "merchant", "superuser"])
def test_nobody_edits_stock_quantities_by_hand(shop_data, role, request):
    client = logged_in(request.getfixturevalue(role))
    stock = shop_data["stock"]
    url = admin_url(Stock, "change", stock.pk)
    form = client.get(url)
    assert form.status_code == 200
    fields = form.context["adminform"].form.fields
    assert "quantity" not in fields and "quantity_allocated" not in fields  # shown read-only
    response = client.post(
        url, {"quantity": "999", "quantity_allocated": "5", "low_stock_threshold": "3"}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    stock.refresh_from_db()
    assert (stock.quantity, stock.quantity_allocated, stock.low_stock_threshold) == (10, 0, 3)
    assert stock.movements.count() == 1  # the receipt only: no change without a ledger row


@pytest.mark.parametrize("role", ["staff", "merchant", "superuser"])
def test_nobody_edits_order_amounts_or_status_by_hand(shop_data, role, request):
    client = logged_in(request.getfixturevalue(role))
    order = shop_data["order"]
    url = admin_url(type(order), "change", order.pk)
    fields = client.get(url).context["adminform"].form.fields
    for name in ("total", "subtotal", "discount_amount", "refunded_amount", "status"):
        assert name not in fields, name
    columns = ("total", "subtotal", "refunded_amount", "status", "payment_status")
    before = [getattr(order, name) for name in columns]
    forged = {"total": "0.01", "subtotal": "0.01", "refunded_amount": "99", "status": "delivered"}
    client.post(url, {**forged, "payment_status": "paid"})
    order.refresh_from_db()
    assert [getattr(order, name) for name in columns] == before
    assert not order.events.exists()


# --- Staff and superusers -----------------------------------------------------------------------------


def test_staff_only_view_a_superuser_and_never_edit_delete_or_grant_it(staff, superuser):
    client = logged_in(staff)
    change = admin_url(User, "change", superuser.pk)
    assert client.get(change).status_code == 200  # view only
    assert client.post(change, {"username": "taken-over"}).status_code == 403
    password = reverse("admin:auth_user_password_change", args=[superuser.pk])
    forged = {"password1": "x-Plum-77", "password2": "x-Plum-77"}
    assert client.post(password, forged).status_code == 403
    assert client.get(password).status_code == 403
    assert client.post(admin_url(User, "delete", superuser.pk), {"post": "yes"}).status_code == 403
    client.post(
        admin_url(User, "changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [superuser.pk], "post": "yes"},
    )
    superuser.refresh_from_db()
    assert superuser.username != "taken-over"
    assert superuser.check_password("correct-horse-battery-9")

    # A superuser edits another superuser.
    other = logged_in(superuser)
    assert other.get(admin_url(User, "change", superuser.pk)).context["has_change_permission"]


def test_staff_cannot_make_anyone_a_superuser(staff):
    customer = UserFactory()
    client = logged_in(staff)
    url = admin_url(User, "change", customer.pk)
    form = client.get(url).context["adminform"].form
    assert "is_superuser" not in form.fields and "is_staff" not in form.fields
    data = {
        "username": customer.username,
        "email": customer.email,
        "role": "staff",
        "is_active": "on",
        "is_superuser": "on",
        "date_joined_0": customer.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": customer.date_joined.strftime("%H:%M:%S"),
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
        "addresses-MIN_NUM_FORMS": "0",
        "addresses-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.role == "staff" and customer.is_staff and not customer.is_superuser
    assert [g.name for g in customer.groups.all()] == ["Staff"]


def test_staff_edit_users_and_groups_like_a_superuser_otherwise(staff):
    customer = UserFactory()
    client = logged_in(staff)
    assert client.get(admin_url(User, "change", customer.pk)).context["has_change_permission"]
    assert client.get("/admin/auth/group/").status_code == 200


# --- The API follows the same roles -------------------------------------------------------------------


def test_api_merchant_and_staff_reach_inventory_and_ship_customers_do_not(
    shop_data, merchant_client, staff_client, user_client
):
    for client, expected in ((merchant_client, 200), (staff_client, 200), (user_client, 403)):
        assert client.get("/api/v1/inventory/stocks/").status_code == expected
        assert client.get("/api/v1/inventory/movements/").status_code == expected
    order = shop_data["order"]
    # Shipping a pending order: merchants and staff reach the rule (409), customers do not (403).
    body = {"carrier": "SF", "tracking_number": "SF1"}
    for client, expected in ((merchant_client, 409), (staff_client, 409), (user_client, 403)):
        response = client.post(f"/api/v1/orders/{order.number}/ship/", body, format="json")
        assert response.status_code == expected


def test_the_payment_admin_refund_action_follows_can_refund(rf, merchant, staff):
    model_admin = admin.site._registry[Payment]

    def offered(who):
        http = rf.get("/admin/")
        http.user = who
        return "refund_in_full" in model_admin.get_actions(http)

    assert offered(staff) and not offered(merchant)
    merchant.user_permissions.add(Permission.objects.get(codename="can_refund"))
    assert offered(User.objects.get(pk=merchant.pk))

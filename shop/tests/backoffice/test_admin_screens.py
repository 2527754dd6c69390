"""The back office in the Django admin, across the apps (issue 19, "Screens").

Every registered admin renders with data present; every action goes through its service (ledger
rows, order events); CSV exports; the catalogue and stock import (all or nothing, bad rows
reported); the query counts of the big lists.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Product, ProductVariant, Review
from catalog.tests.conftest import png_file
from catalog.tests.factories import BrandFactory, CategoryFactory
from inventory import services as inventory_services
from inventory.models import Stock, StockMovement, Warehouse
from orders import services as order_services
from orders.models import OrderEvent
from orders.tests.helpers import ADDRESS, at_status, stock_of
from payments.models import PaymentNotification, Refund, SandboxTrade
from payments.tests.conftest import press, start_payment
from promotions.models import CouponTemplate
from promotions.services import coupon_claim

pytestmark = pytest.mark.django_db


def coupon_template(**fields):
    now = timezone.now()
    values = {
        "kind": "fixed",
        "value": Decimal("1.00"),
        "total_quantity": 100,
        "valid_from": now - timedelta(days=1),
        "valid_to": now + timedelta(days=30),
        **fields,
    }
    return CouponTemplate.objects.create(**values)


@pytest.fixture
def staff_admin(staff):
    client = Client()
    client.force_login(staff)
    return client


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def paid_order(user, variant, place, quantity=2):
    """An order paid through the sandbox gateway (a Payment, its events and a notification)."""
    order = place(user, (variant, quantity))
    payment = start_payment(user, order)
    press(payment)
    order.refresh_from_db()
    assert order.status == "processing"
    return order


@pytest.fixture
def shop_data(user, variant, place, warehouse, staff):
    """At least one row of every model the admin shows."""
    product = variant.product
    catalog_services.image_add(product, upload=png_file())
    order = paid_order(user, variant, place)
    order_services.order_refund_request(order, amount=Decimal("10.00"), reason="test", actor=staff)
    shipped = at_status(place(user, (variant, 1)), "shipped")
    order_services.order_deliver(shipped)
    Review.objects.create(product=product, user=user, rating=4, body="Good.")
    template = coupon_template(name="Ten off", code="TEN", value=Decimal("10.00"))
    coupon_claim(user, template=template)
    inventory_services.stock_adjust(
        variant, warehouse=warehouse, delta=-6, reason="damage", actor=staff
    )
    inventory_services.stock_alerts_check()
    order_services.cart_item_add(
        order_services.cart_get_or_create(user=user), variant_id=variant.pk, quantity=1
    )
    from accounts.services import address_create

    address_create(user, **ADDRESS)
    return {"order": order, "product": product}


def test_every_admin_changelist_change_and_add_page_renders(staff_admin, shop_data):
    """Iterates the whole registry, so a model added later is covered without a new test."""
    checked = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        info = (opts.app_label, opts.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        response = staff_admin.get(changelist)
        assert response.status_code == 200, (changelist, response.status_code)
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            change = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            response = staff_admin.get(change)
            assert response.status_code == 200, (change, response.status_code)
            checked.append(model)
        request = response.wsgi_request
        if model_admin.has_add_permission(request):
            add = reverse("admin:{}_{}_add".format(*info))
            assert staff_admin.get(add).status_code == 200, add
    names = {m._meta.label for m in checked}
    assert {
        "catalog.Product",
        "catalog.ProductVariant",
        "catalog.Review",
        "inventory.Stock",
        "inventory.StockMovement",
        "inventory.StockAlert",
        "inventory.Allocation",
        "orders.Order",
        "orders.Cart",
        "payments.Payment",
        "payments.Refund",
        "payments.PaymentNotification",
        "promotions.CouponTemplate",
        "promotions.UserCoupon",
        "accounts.Address",
    } <= names


def test_order_change_page_shows_lines_events_payments_and_refunds(staff_admin, shop_data):
    order = shop_data["order"]
    body = staff_admin.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    payment = order.payments.get()
    refund = Refund.objects.get(payment=payment)
    assert order.lines.get().sku in body
    assert payment.out_trade_no in body and refund.out_request_no in body
    assert "partially_refunded" in body  # the event timeline


def test_product_change_page_shows_stock_per_warehouse(staff_admin, variant, warehouse):
    body = staff_admin.get(f"/admin/catalog/product/{variant.product_id}/change/").content.decode()
    assert "stock per warehouse" in body.lower()
    assert f"<td>{variant.sku}</td><td>{warehouse.code}</td><td>10</td><td>0</td>" in body


# --- Products -----------------------------------------------------------------------------------------


def product_action(client, action, products, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [p.pk for p in products], **extra}
    return client.post("/admin/catalog/product/", data)


def test_adjust_stock_of_products_asks_then_writes_the_ledger(
    staff_admin, staff, variant, warehouse
):
    product = variant.product
    form = product_action(staff_admin, "adjust_stock", [product])
    assert form.status_code == 200
    assert 'name="quantity_change"' in form.content.decode()
    assert stock_of(variant).quantity == 10

    response = product_action(
        staff_admin,
        "adjust_stock",
        [product],
        apply="1",
        warehouse=warehouse.pk,
        quantity_change="5",
        reason="purchase",
        note="delivery 42",
    )
    assert response.status_code == 302
    assert stock_of(variant).quantity == 15
    movement = StockMovement.objects.filter(stock__variant=variant).order_by("-pk").first()
    assert (movement.delta, movement.reason, movement.note, movement.user) == (
        5,
        "purchase",
        "delivery 42",
        staff,
    )
    assert any("Adjusted 1 variants" in m for m in messages_of(response))


def test_adjust_stock_below_allocated_is_refused_with_a_message(
    staff_admin, user, variant, warehouse, place
):
    place(user, (variant, 8))
    response = product_action(
        staff_admin,
        "adjust_stock",
        [variant.product],
        apply="1",
        warehouse=warehouse.pk,
        quantity_change="-5",
        reason="damage",
    )
    assert response.status_code == 302
    assert stock_of(variant).quantity == 10
    assert any("Nothing was changed" in m for m in messages_of(response))


def test_duplicate_product_copies_variants_inactive_without_stock(staff_admin, variant):
    product = variant.product
    catalog_services.variant_create(product, sku=f"{variant.sku}-B", name="Big", price="70.00")
    response = product_action(staff_admin, "duplicate_products", [product])
    assert response.status_code == 302
    copy = Product.objects.exclude(pk=product.pk).get()
    assert not copy.is_active and copy.slug != product.slug
    assert copy.category_id == product.category_id and copy.brand_id == product.brand_id
    skus = sorted(copy.variants.values_list("sku", flat=True))
    assert skus == sorted([f"{variant.sku}-COPY", f"{variant.sku}-B-COPY"])
    assert copy.price == Decimal("50.00")
    assert not Stock.objects.filter(variant__product=copy).exists()
    # Copying again finds the next free SKUs.
    product_action(staff_admin, "duplicate_products", [product])
    assert ProductVariant.objects.filter(sku=f"{variant.sku}-COPY2").exists()


def test_change_prices_previews_then_changes_through_the_service(staff_admin, make_variant):
    a = make_variant(price="19.99")
    b = make_variant(price="0.05")
    products = [a.product, b.product]
    page = product_action(staff_admin, "change_prices", products)
    assert page.status_code == 200
    page = product_action(staff_admin, "change_prices", products, percent="12.5", preview="1")
    body = page.content.decode()
    assert "¥22.49" in body and "¥0.06" in body  # 22.48875 and 0.05625, half-up
    a.refresh_from_db()
    assert a.price == Decimal("19.99")  # a preview changes nothing

    # Applied only as previewed: another percentage is previewed first.
    product_action(
        staff_admin, "change_prices", products, percent="50", previewed="12.5", apply="1"
    )
    a.refresh_from_db()
    assert a.price == Decimal("19.99")

    response = product_action(
        staff_admin, "change_prices", products, percent="12.5", previewed="12.5", apply="1"
    )
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.price, b.price) == (Decimal("22.49"), Decimal("0.06"))
    assert Product.objects.get(pk=a.product_id).price == Decimal("22.49")
    assert any("2 variants repriced" in m for m in messages_of(response))


def test_change_prices_beyond_the_limit_changes_nothing(staff_admin, make_variant, settings):
    cheap = make_variant(price="10.00")
    dear = make_variant(price="900000.00")
    response = product_action(
        staff_admin,
        "change_prices",
        [cheap.product, dear.product],
        percent="20",
        previewed="20",
        apply="1",
    )
    assert response.status_code == 302
    cheap.refresh_from_db()
    assert cheap.price == Decimal("10.00")
    assert any("No price was changed" in m for m in messages_of(response))


@pytest.mark.parametrize("percent", ["-100", "-150", "1000.01", "abc"])
def test_change_prices_refuses_a_bad_percentage(staff_admin, variant, percent):
    page = product_action(
        staff_admin,
        "change_prices",
        [variant.product],
        percent=percent,
        previewed=percent,
        apply="1",
    )
    assert page.status_code == 200  # the form again, with its error
    variant.refresh_from_db()
    assert variant.price == Decimal("50.00")


# --- Import and export ----------------------------------------------------------------------------------


def import_file(client, url, text, name="import.csv"):
    """Upload `text` as CSV to an import-export admin: the dry-run preview page."""
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(url, {"format": "0", "import_file": upload, "resource": "0"})


def confirm(client, url, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name) for name in form.fields}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(url.replace("/import/", "/process_import/"), data)


VARIANTS_IMPORT = "/admin/catalog/productvariant/import/"


def test_catalogue_import_with_a_bad_row_reports_it_and_writes_nothing(staff_admin):
    category, brand = CategoryFactory(slug="kettles"), BrandFactory(slug="acme")
    text = (
        "sku,product_slug,product_name,category,brand,name,price,compare_at_price,is_active\n"
        "K-1,kettle,Kettle,kettles,acme,Small,59.00,,yes\n"
        "K-2,kettle,Kettle,kettles,acme,Large,abc,,yes\n"
        "K-3,teapot,Teapot,no-such-category,,Default,10.00,,yes\n"
    )
    preview = import_file(staff_admin, VARIANTS_IMPORT, text)
    assert preview.status_code == 200
    result = preview.context["result"]
    assert result.has_validation_errors()
    invalid = {row.number for row in result.invalid_rows}
    assert invalid == {2, 3}
    body = preview.content.decode()
    assert "Not a price: abc." in body and "No category no-such-category." in body
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    assert not Product.objects.exists() and not ProductVariant.objects.exists()
    assert category and brand


def test_catalogue_import_of_a_good_file_goes_through_the_services(staff_admin, variant):
    CategoryFactory(slug="kettles")
    text = (
        "sku,product_slug,product_name,category,brand,name,price,compare_at_price,is_active\n"
        "K-1,kettle,Kettle,kettles,,Small,59.00,69.00,yes\n"
        "K-2,kettle,Kettle,kettles,,Large,49.50,,yes\n"
        f"{variant.sku},{variant.product.slug},,,,Default,45.00,,\n"
    )
    preview = import_file(staff_admin, VARIANTS_IMPORT, text)
    assert not preview.context["result"].has_validation_errors()
    assert not ProductVariant.objects.filter(sku="K-1").exists()  # a dry run
    response = confirm(staff_admin, VARIANTS_IMPORT, preview)
    assert response.status_code == 302
    kettle = Product.objects.get(slug="kettle")
    assert kettle.price == Decimal("49.50")  # the denormalised price, by the service
    assert sorted(kettle.variants.values_list("sku", "price")) == [
        ("K-1", Decimal("59.00")),
        ("K-2", Decimal("49.50")),
    ]
    variant.refresh_from_db()
    assert variant.price == Decimal("45.00")
    assert Product.objects.get(pk=variant.product_id).price == Decimal("45.00")


def test_catalogue_export(staff_admin, variant):
    response = staff_admin.post(
        "/admin/catalog/productvariant/export/",
        {
            "format": "0",
            "resource": "0",
            **{f"variantresource_{f}": "on" for f in ("sku", "product_slug", "price")},
        },
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["sku"], r["price"]) for r in rows] == [(variant.sku, "50.00")]


STOCK_IMPORT = "/admin/inventory/stock/import/"


def test_stock_import_sets_counts_through_the_ledger_all_or_nothing(
    staff_admin, staff, variant, warehouse, make_variant
):
    other = make_variant(stock=0)
    backup = Warehouse.objects.create(code="backup", name="Backup", priority=900)
    bad = (
        "sku,warehouse,quantity\n"
        f"{variant.sku},{warehouse.code},25\n"
        f"{other.sku},{backup.code},-3\n"
        f"NOPE,{warehouse.code},1\n"
    )
    preview = import_file(staff_admin, STOCK_IMPORT, bad)
    assert {row.number for row in preview.context["result"].invalid_rows} == {2, 3}
    assert stock_of(variant).quantity == 10
    assert StockMovement.objects.count() == 1  # the fixture's receipt only

    good = (
        "sku,warehouse,quantity\n"
        f"{variant.sku},{warehouse.code},25\n"
        f"{other.sku},{backup.code},7\n"
        f"{other.sku},{warehouse.code},0\n"
    )
    preview = import_file(staff_admin, STOCK_IMPORT, good)
    assert not preview.context["result"].has_validation_errors()
    assert stock_of(variant).quantity == 10
    response = confirm(staff_admin, STOCK_IMPORT, preview)
    assert response.status_code == 302
    assert stock_of(variant).quantity == 25
    assert Stock.objects.get(variant=other, warehouse=backup).quantity == 7
    assert not Stock.objects.filter(variant=other, warehouse=warehouse).exists()  # 0: skipped
    moves = StockMovement.objects.filter(reason="adjustment").order_by("pk")
    assert [(m.delta, m.quantity_after, m.user) for m in moves] == [(15, 25, staff), (7, 7, staff)]


def test_stock_import_below_allocated_is_reported(staff_admin, user, variant, warehouse, place):
    place(user, (variant, 4))
    preview = import_file(
        staff_admin, STOCK_IMPORT, f"sku,warehouse,quantity\n{variant.sku},{warehouse.code},3\n"
    )
    assert preview.context["result"].has_validation_errors()
    assert "allocated" in preview.content.decode()
    assert stock_of(variant).quantity == 10


# --- Orders ---------------------------------------------------------------------------------------------


def order_action(client, action, orders, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in orders], **extra}
    return client.post("/admin/orders/order/", data)


def test_refund_action_asks_amount_and_reason_then_refunds_through_the_gateway(
    staff_admin, staff, user, variant, place
):
    order = paid_order(user, variant, place)
    form = order_action(staff_admin, "refund_orders", [order])
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    assert not Refund.objects.exists()

    response = order_action(
        staff_admin, "refund_orders", [order], apply="1", amount="30.00", reason="damaged box"
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.payment_status, order.refunded_amount) == ("partially_refunded", Decimal("30.00"))
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.actor, refund.status) == (
        Decimal("30.00"),
        "damaged box",
        staff,
        "succeeded",
    )
    assert SandboxTrade.objects.get().refunded == Decimal("30.00")  # the gateway gave it back
    event = order.events.order_by("-pk").first()
    assert (event.to_status, event.actor) == ("partially_refunded", staff)
    assert any("1 order refunded" in m for m in messages_of(response))

    too_much = order_action(
        staff_admin, "refund_orders", [order], apply="1", amount="500.00", reason="x"
    )
    assert too_much.status_code == 302
    assert any(order.number in m and "at most" in m for m in messages_of(too_much))


def test_ship_and_cancel_write_events_and_show_messages(staff_admin, staff, user, variant, place):
    paid = at_status(place(user, (variant, 1)), "processing")
    pending = place(user, (variant, 1))
    response = order_action(
        staff_admin, "ship_orders", [paid], apply="1", carrier="SF", tracking_number="SF9"
    )
    assert any("1 order shipped" in m for m in messages_of(response))
    event = OrderEvent.objects.filter(order=paid).order_by("-pk").first()
    assert (event.from_status, event.to_status, event.actor) == ("processing", "shipped", staff)
    assert StockMovement.objects.filter(reason="sale", reference=paid.number).exists()

    response = order_action(staff_admin, "cancel_orders", [pending, paid])
    assert response.status_code == 302
    msgs = messages_of(response)
    assert any("1 order cancelled" in m for m in msgs)
    assert any(paid.number in m for m in msgs)  # shipped: refused, said, not a 500
    assert OrderEvent.objects.filter(order=pending, to_status="cancelled", actor=staff).exists()


def test_packing_slip_is_a_printable_page_without_prices(staff_admin, user, variant, place):
    order = at_status(place(user, (variant, 3)), "processing")
    response = order_action(staff_admin, "packing_slips", [order])
    assert response.status_code == 200
    body = response.content.decode()
    assert "@media print" in body and "window.print()" in body
    assert order.number in body and variant.sku in body and ADDRESS["street"] in body
    assert "¥" not in body and "150.00" not in body


def test_csv_export_of_the_filtered_list(staff_admin, user, variant, place):
    paid = at_status(place(user, (variant, 1)), "processing")
    pending = place(user, (variant, 2))
    changelist = staff_admin.get("/admin/orders/order/", {"status__exact": "processing"})
    assert "/admin/orders/order/export-csv/?status__exact=processing" in changelist.content.decode()
    response = staff_admin.get("/admin/orders/order/export-csv/", {"status__exact": "processing"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["number"], r["status"], r["total"]) for r in rows] == [
        (paid.number, "processing", "60.00")
    ]
    everything = staff_admin.get("/admin/orders/order/export-csv/")
    numbers = {
        r["number"] for r in csv.DictReader(io.StringIO(everything.content.decode("utf-8-sig")))
    }
    assert numbers == {paid.number, pending.number}


def test_order_filters_by_gateway_and_search_by_user_phone(staff_admin, user, variant, place):
    user.phone = "13800001111"
    user.save(update_fields=["phone"])
    order = place(user, (variant, 1))
    body = staff_admin.get("/admin/orders/order/", {"q": "13800001111"}).content.decode()
    assert order.number in body
    body = staff_admin.get("/admin/orders/order/", {"payment_method__exact": "alipay"}).content
    assert order.number not in body.decode()
    body = staff_admin.get("/admin/orders/order/", {"payment_method__exact": "sandbox"}).content
    assert order.number in body.decode()


# --- Inventory ------------------------------------------------------------------------------------------


def test_stock_list_sorts_by_available_and_filters_low_stock(staff_admin, make_variant, warehouse):
    plenty = make_variant(stock=50)
    low = make_variant(stock=2)
    Stock.objects.update(low_stock_threshold=5)
    body = staff_admin.get("/admin/inventory/stock/", {"level": "low"}).content.decode()
    assert low.sku in body and plenty.sku not in body
    response = staff_admin.get("/admin/inventory/stock/", {"o": "6"})  # available, ascending
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index(low.sku) < body.index(plenty.sku)
    body = staff_admin.get("/admin/inventory/stock/", {"o": "-6"}).content.decode()
    assert body.index(plenty.sku) < body.index(low.sku)


def test_ledger_export_of_the_filtered_list(staff_admin, staff, variant, warehouse):
    inventory_services.stock_adjust(
        variant, warehouse=warehouse, delta=-2, reason="damage", actor=staff, note="dropped"
    )
    response = staff_admin.post(
        "/admin/inventory/stockmovement/export/?reason__exact=damage",
        {
            "format": "0",
            "resource": "0",
            **{
                f"stockmovementresource_{f}": "on"
                for f in ("sku", "warehouse", "reason", "delta", "quantity_after", "user", "note")
            },
        },
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["sku"], r["reason"], r["delta"], r["quantity_after"], r["note"]) for r in rows] == [
        (variant.sku, "damage", "-2", "8", "dropped")
    ]


# --- Reviews, coupons, payments ------------------------------------------------------------------------


def test_review_moderation_goes_through_the_service(staff_admin, user, variant):
    product = variant.product
    review = Review.objects.create(
        product=product, user=user, rating=2, body="Meh", is_visible=False
    )
    response = staff_admin.post(
        "/admin/catalog/review/", {"action": "show", ACTION_CHECKBOX_NAME: [review.pk]}
    )
    assert any("1 review shown" in m for m in messages_of(response))
    product.refresh_from_db()
    assert (product.review_count, product.rating_avg) == (1, Decimal("2.00"))


def test_coupon_list_shows_claimed_and_used(staff_admin, user, other_user):
    template = coupon_template(name="Five off", code="FIVE", value=Decimal("5.00"))
    coupon_claim(user, template=template)
    coupon_claim(other_user, template=template)
    template.issued.filter(user=user).update(status="used", used_at=timezone.now())
    response = staff_admin.get("/admin/promotions/coupontemplate/")
    row = response.context["cl"].result_list[0]
    assert (row.claimed_count, row.used_count) == (2, 1)


def test_notifications_show_the_verification_outcome(staff_admin, user, variant, place):
    paid_order(user, variant, place)
    PaymentNotification.objects.create(gateway="sandbox", verified=False, outcome="bad_signature")
    body = staff_admin.get("/admin/payments/paymentnotification/").content.decode()
    assert "not verified" in body and "bad_signature" in body
    assert "✔" in body or "&#10004;" in body


# --- Query counts ----------------------------------------------------------------------------------------


@pytest.fixture
def thirty_orders(user, make_variant, place, staff):
    variants = [make_variant(price="10.00", stock=50) for _ in range(30)]
    orders = []
    for i in range(30):
        order = place(user, (variants[i], 1), (variants[(i + 1) % 30], 2))
        press(start_payment(user, order))
        orders.append(order)
    for v in variants:
        inventory_services.stock_adjust(
            v, warehouse=Warehouse.objects.get(), delta=1, reason="purchase", actor=staff
        )
    return orders


@pytest.mark.parametrize(
    "url,limit",
    [
        ("/admin/orders/order/", 10),
        ("/admin/catalog/product/", 10),
        ("/admin/catalog/productvariant/", 8),
        ("/admin/inventory/stock/", 9),
        ("/admin/inventory/stockmovement/", 10),
        ("/admin/payments/payment/", 8),
        ("/admin/payments/paymentnotification/", 11),
        ("/admin/promotions/coupontemplate/", 10),
        ("/admin/promotions/usercoupon/", 10),
    ],
)
def test_big_changelists_cost_a_fixed_number_of_queries(
    staff_admin, thirty_orders, django_assert_max_num_queries, url, limit, user
):
    """30 rows and more each: a query per row anywhere would far exceed these limits, which are
    a page's own fixed queries (session, user, the staff member's permissions: staff are not
    superusers, count, rows, prefetches, filters' choices) with one to spare."""
    for i in range(30):
        template = coupon_template(name=f"T{i}", code=f"T{i}")
        coupon_claim(user, template=template)
    staff_admin.get(url)  # warm the session and content types
    with django_assert_max_num_queries(limit):
        response = staff_admin.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 30


def test_stock_import_from_an_excel_file(staff_admin, variant, warehouse):
    import tablib

    sheet = tablib.Dataset(headers=["sku", "warehouse", "quantity"])
    sheet.append([variant.sku, warehouse.code, 12])  # a number cell
    upload = SimpleUploadedFile(
        "stock.xlsx",
        sheet.export("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    formats = staff_admin.get(STOCK_IMPORT).context["form"].fields["format"].choices
    xlsx = next(value for value, label in formats if str(label).lower() == "xlsx")
    preview = staff_admin.post(
        STOCK_IMPORT, {"format": str(xlsx), "import_file": upload, "resource": "0"}
    )
    assert not preview.context["result"].has_validation_errors()
    assert confirm(staff_admin, STOCK_IMPORT, preview).status_code == 302
    assert stock_of(variant).quantity == 12

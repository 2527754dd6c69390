"""An outsider's odd input on the cart and checkout pages: a 4xx or the page with the input
ignored, never a 500 and never a NUL byte stored (PostgreSQL refuses them in text columns)."""

import pytest
from django.test import Client

from orders.models import Order
from orders.tests.helpers import ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(user, variant):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    client.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
    return client


def test_a_coupon_code_with_a_nul_byte_is_refused_not_a_500(shopper):
    response = shopper.post("/cart/coupon/", {"coupon_code": "AB\x00CD"})
    assert response.status_code == 302
    assert "\x00" not in shopper.session.get("cart_coupon", "")


def test_checkout_apply_with_a_nul_coupon_is_the_page_not_a_500(shopper):
    response = shopper.post("/checkout/", {"action": "apply", "coupon_code": "\x00X"})
    assert response.status_code == 200
    assert "\x00" not in shopper.session.get("cart_coupon", "")


@pytest.mark.parametrize("field", ["coupon_code", "notes", "idempotency_key", "payment_method"])
def test_placing_with_a_nul_byte_in_a_field_never_500s_or_stores_it(shopper, field):
    data = {"address_id": "new", **ADDRESS, "payment_method": "sandbox", field: "a\x00b"}
    response = shopper.post("/checkout/", data)
    assert response.status_code in (302, 400)
    for order in Order.objects.all():
        assert "\x00" not in order.notes
        assert "\x00" not in order.payment_method


@pytest.mark.parametrize("address_id", ["²", "①", "١", "1" * 5000, str(10**30), "-1", "1.0"])
def test_a_malformed_address_choice_is_refused_not_a_500(shopper, address_id):
    response = shopper.post("/checkout/", {"address_id": address_id, "payment_method": "sandbox"})
    assert response.status_code in (400, 404)
    assert not Order.objects.exists()


def test_another_users_saved_address_is_never_shipped_to(shopper, other_user):
    from accounts.services import address_create

    theirs = address_create(other_user, **ADDRESS)
    response = shopper.post("/checkout/", {"address_id": theirs.pk, "payment_method": "sandbox"})
    assert response.status_code in (400, 404)
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("items", "kind", "value", "min_amount"),
    [
        (
            [("33.33", 3)],
            "percent",
            "15",
            "0",
        ),  # 99.99 - 15% = 85.00 (rounded): shipping comes back
        ([("19.99", 1), ("0.07", 7)], "fixed", "5.00", "0"),
        ([("100.00", 1)], "fixed", "5.00", "100.00"),  # coupon at its threshold
    ],
)
def test_cart_and_checkout_totals_equal_the_placed_order_to_the_cent(
    user, make_variant, make_coupon, tax, items, kind, value, min_amount
):
    import re
    from decimal import Decimal

    client = Client()
    client.force_login(user)
    for price, quantity in items:
        variant = make_variant(price=price, stock=20)
        client.post("/cart/add/", {"variant_id": variant.pk, "quantity": quantity})
    coupon = make_coupon(user, kind=kind, value=value, min_spend=Decimal(min_amount))
    code = coupon.template.code
    assert client.post("/cart/coupon/", {"coupon_code": code}).status_code == 302

    def shown_total(response):
        found = re.search(
            r'data-testid="cart-total" data-total="([0-9.]+)"', response.content.decode()
        )
        assert found, response.content.decode()[:2000]
        return Decimal(found.group(1))

    in_cart = shown_total(client.get("/cart/"))
    at_checkout = shown_total(client.get("/checkout/"))
    response = client.post(
        "/checkout/",
        {"address_id": "new", **ADDRESS, "payment_method": "sandbox", "coupon_code": code},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    order = Order.objects.get()
    assert order.discount_amount > 0
    assert in_cart == at_checkout == order.total


ODD_QUANTITIES = [
    "0",
    "-1",
    str(10**30),
    "1e3",
    "NaN",
    "Infinity",
    "1.5",
    "",
    "x" * 10000,
    "9" * 5000,
]


@pytest.mark.parametrize("quantity", ODD_QUANTITIES)
def test_an_odd_quantity_changes_no_cart_line(shopper, variant, quantity):
    from orders.models import CartItem

    item = CartItem.objects.get()
    assert (
        shopper.post("/cart/add/", {"variant_id": variant.pk, "quantity": quantity}).status_code
        == 302
    )
    assert shopper.post(f"/cart/items/{item.pk}/", {"quantity": quantity}).status_code == 302
    assert list(CartItem.objects.values_list("quantity", flat=True)) == [1]


@pytest.mark.parametrize("variant_id", ["0", "-1", str(10**30), "9" * 5000, "1e3", "١"])
def test_an_odd_variant_id_adds_nothing(shopper, variant_id):
    from orders.models import CartItem

    assert shopper.post("/cart/add/", {"variant_id": variant_id, "quantity": 1}).status_code == 302
    assert CartItem.objects.count() == 1


def test_a_10000_character_coupon_code_is_refused_and_not_kept(shopper):
    response = shopper.post("/cart/coupon/", {"coupon_code": "C" * 10000})
    assert response.status_code == 302
    assert "cart_coupon" not in shopper.session

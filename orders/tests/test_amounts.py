"""Amounts beyond the money columns (12 digits, 2 decimals): refused where they enter with
`amount_too_large`, and never a 500 on a read of what is already stored."""

from decimal import Decimal

import pytest
from django.core.checks import run_checks
from django.utils import timezone

from catalog.models import ProductVariant
from core.money import MONEY_MAX, AmountTooLarge
from inventory.models import Allocation
from orders import services
from orders.models import Cart, CartItem, Order, OrderLine
from orders.tests.helpers import ADDRESS, stock_of

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart/"
ITEMS = "/api/v1/cart/items/"
ORDERS = "/api/v1/orders/"
HUGE = Decimal("9999999999.99")  # the largest a price column holds, above MAX_UNIT_PRICE


def stored_price(variant, price):
    # A price stored before the bound existed (or by a raw update): the bound is not re-checked.
    ProductVariant.objects.filter(pk=variant.pk).update(price=Decimal(price))
    variant.refresh_from_db()
    return variant


def cart_lines(user):
    return dict(CartItem.objects.filter(cart__user=user).values_list("variant_id", "quantity"))


def test_add_refuses_a_line_beyond_an_order(user, user_client, make_variant):
    variant = stored_price(make_variant(stock=10), HUGE)
    response = user_client.post(ITEMS, {"variant_id": variant.pk, "quantity": 2})
    assert (response.status_code, response.data["code"]) == (400, "amount_too_large")
    assert response.data["max_amount"] == str(MONEY_MAX)
    assert cart_lines(user) == {}
    # One unit fits (and shipping is free above the threshold): that is still allowed.
    assert user_client.post(ITEMS, {"variant_id": variant.pk, "quantity": 1}).status_code == 201
    assert cart_lines(user) == {variant.pk: 1}


def test_add_and_update_refuse_a_cart_total_beyond_an_order(user, user_client, make_variant):
    first = stored_price(make_variant(stock=10), "6000000000.00")
    second = stored_price(make_variant(stock=10), "5000000000.00")
    assert user_client.post(ITEMS, {"variant_id": first.pk, "quantity": 1}).status_code == 201
    response = user_client.post(ITEMS, {"variant_id": second.pk, "quantity": 1})
    assert (response.status_code, response.data["code"]) == (400, "amount_too_large")
    assert cart_lines(user) == {first.pk: 1}

    item = CartItem.objects.get(variant=first)
    response = user_client.patch(f"{ITEMS}{item.pk}/", {"quantity": 2})
    assert (response.status_code, response.data["code"]) == (400, "amount_too_large")
    assert cart_lines(user) == {first.pk: 1}


def test_stored_lines_beyond_an_order_still_show_and_checkout_refuses(
    user, user_client, make_variant
):
    cheap = make_variant(price="10.00", stock=10)
    dear = make_variant(price="10.00", stock=10)
    cart = services.cart_get_or_create(user=user)
    services.cart_item_add(cart, variant_id=cheap.pk, quantity=1)
    services.cart_item_add(cart, variant_id=dear.pk, quantity=2)
    stored_price(dear, HUGE)  # the price rose after the line went in

    for _ in range(2):  # every later read, not just the first
        response = user_client.get(CART)
        assert response.status_code == 200
        lines = {line["variant_id"]: line for line in response.data["items"]}
        assert lines[dear.pk]["line_total"] == "19999999999.98"
        assert lines[dear.pk]["problem"] == "amount_too_large"
        assert lines[dear.pk]["available"] is False
        assert lines[cheap.pk]["problem"] is None
        assert response.data["subtotal"] == "20000000009.98"
        assert response.data["problem"] == "amount_too_large"

    response = user_client.post(
        ORDERS, {"shipping_address": ADDRESS, "payment_method": "sandbox"}, format="json"
    )
    assert (response.status_code, response.data["code"]) == (400, "amount_too_large")
    assert [line["variant_id"] for line in response.data["lines"]] == [dear.pk]
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert not Allocation.objects.exists()
    assert stock_of(dear).quantity_allocated == 0
    assert cart_lines(user) == {cheap.pk: 1, dear.pk: 2}

    # Lowering a line is always allowed; once the cart fits an order, the order goes through.
    item = CartItem.objects.get(variant=dear)
    assert user_client.patch(f"{ITEMS}{item.pk}/", {"quantity": 1}).status_code == 200
    assert (
        user_client.delete(f"{ITEMS}{CartItem.objects.get(variant=cheap).pk}/").status_code == 200
    )
    response = user_client.post(
        ORDERS, {"shipping_address": ADDRESS, "payment_method": "sandbox"}, format="json"
    )
    assert response.status_code == 201, response.data
    assert response.data["total"] == str(MONEY_MAX)


def test_checkout_refuses_a_total_beyond_an_order_though_each_line_fits(user, make_variant):
    a = make_variant(price="10.00", stock=10)
    b = make_variant(price="10.00", stock=10)
    cart = services.cart_get_or_create(user=user)
    services.cart_item_add(cart, variant_id=a.pk, quantity=1)
    services.cart_item_add(cart, variant_id=b.pk, quantity=1)
    stored_price(a, "6000000000.00")
    stored_price(b, "6000000000.00")
    with pytest.raises(AmountTooLarge):
        services.order_place(
            user, cart=cart, shipping_address=dict(ADDRESS), payment_method="sandbox"
        )
    assert not Order.objects.exists()
    assert stock_of(a).quantity_allocated == stock_of(b).quantity_allocated == 0
    assert Cart.objects.get(pk=cart.pk).items.count() == 2


def test_max_unit_price_must_fit_a_full_line(settings):
    settings.MAX_UNIT_PRICE = Decimal("1000000.00")
    assert not [e for e in run_checks() if e.id == "shop.E001"]
    settings.MAX_UNIT_PRICE = Decimal("200000000.00")  # x 99 > 9,999,999,999.99
    assert [e.id for e in run_checks() if e.id == "shop.E001"] == ["shop.E001"]


def test_statistics_add_up_beyond_one_order(staff, staff_client):
    # 101 paid orders of the largest total: revenue has 13 integer digits, an order only 10.
    now = timezone.now()
    Order.objects.bulk_create(
        Order(
            number=f"BIG{i:08d}",
            user=staff,
            payment_method="sandbox",
            payment_status=Order.PaymentStatus.PAID,
            status=Order.Status.PROCESSING,
            subtotal=MONEY_MAX,
            total=MONEY_MAX,
            shipping_address=ADDRESS,
            created_at=now,
        )
        for i in range(101)
    )
    response = staff_client.get(f"{ORDERS}statistics/")
    assert response.status_code == 200
    assert response.data["total_revenue"] == str(MONEY_MAX * 101)
    assert response.data["average_order_value"] == str(MONEY_MAX)
    assert response.data["daily"][0]["revenue"] == str(MONEY_MAX * 101)

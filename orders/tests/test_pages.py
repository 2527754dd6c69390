"""The storefront's cart, checkout and order pages through Django's test client: what a shopper
sees, every error as a message (never a 500), and nobody else's cart lines or orders."""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.models import Address
from accounts.services import address_create
from accounts.tests.factories import UserFactory
from inventory.models import Stock
from orders import services
from orders.cart_session import SESSION_KEY
from orders.models import Cart, CartItem, Order
from orders.tests.helpers import ADDRESS, at_status

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def shopper(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def guest():
    return Client()


# --- Adding to the cart ---------------------------------------------------------------------------


def test_a_guest_adds_to_cart_and_sees_the_line_and_totals(guest, variant):
    response = guest.post("/cart/add/", {"variant_id": variant.pk, "quantity": 2})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    token = guest.session[SESSION_KEY]
    cart = Cart.objects.get(token=token)
    assert cart.user_id is None
    assert list(cart.items.values_list("variant_id", "quantity")) == [(variant.pk, 2)]

    page = guest.get("/cart/")
    body = text(page)
    assert page.status_code == 200
    assert body.count('data-testid="cart-line"') == 1
    # 2 x 50.00 = 100.00: free shipping from 99.00, no tax in these tests.
    assert 'data-testid="cart-total" data-total="100.00"' in body
    assert 'data-testid="checkout"' in body
    assert "<title>" in body and 'name="coupon_code"' in body
    assert 'for="coupon_code"' in body


def test_adding_again_grows_the_line_and_next_is_followed_when_safe(guest, variant):
    guest.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1, "next": "/p/x/"})
    response = guest.post(
        "/cart/add/", {"variant_id": variant.pk, "quantity": 2, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/cart/"  # an outside `next` is ignored
    first = guest.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1, "next": "/p/x/"})
    assert first["Location"] == "/p/x/"
    assert CartItem.objects.get().quantity == 4


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"variant_id": "abc", "quantity": 1}, "Choose a product variant"),
        ({"variant_id": 999999, "quantity": 1}, "does not exist"),
        ({"quantity": 1}, "Choose a product variant"),
        ({"variant_id": "VARIANT", "quantity": 0}, "Choose a product variant"),
        ({"variant_id": "VARIANT", "quantity": 11}, "Only 10 left"),
        ({"variant_id": "VARIANT", "quantity": 1000}, "Quantity must be between 1 and 99"),
    ],
)
def test_a_refused_add_is_a_message_and_leaves_no_cart(guest, variant, data, expected):
    data = {k: (variant.pk if v == "VARIANT" else v) for k, v in data.items()}
    response = guest.post("/cart/add/", data, follow=True)
    assert response.status_code == 200
    assert any(expected in m for m in messages_of(response)) or expected in text(response)
    assert not Cart.objects.exists()


def test_an_inactive_product_cannot_be_added(guest, variant):
    variant.product.is_active = False
    variant.product.save()
    response = guest.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1}, follow=True)
    assert "no longer sold" in text(response)


def test_add_to_cart_is_post_only_and_csrf_protected(variant):
    client = Client(enforce_csrf_checks=True)
    assert client.get("/cart/add/").status_code == 405
    assert client.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1}).status_code == 403


# --- Changing and removing lines --------------------------------------------------------------------


def test_change_quantity_and_remove_a_line(shopper, user, variant, fill_cart):
    cart = fill_cart(user, (variant, 1))
    item = cart.items.get()
    response = shopper.post(f"/cart/items/{item.pk}/", {"quantity": 3}, follow=True)
    assert "Quantity updated." in messages_of(response)
    item.refresh_from_db()
    assert item.quantity == 3
    assert 'data-total="150.00"' in text(response)

    response = shopper.post(f"/cart/items/{item.pk}/remove/", follow=True)
    assert "Removed from your cart." in messages_of(response)
    assert not CartItem.objects.exists()
    assert 'data-testid="cart-empty"' in text(response)


@pytest.mark.parametrize(("quantity", "expected"), [(11, "Only 10 left"), (0, "between 1 and 99")])
def test_a_refused_quantity_is_a_message(shopper, user, variant, fill_cart, quantity, expected):
    item = fill_cart(user, (variant, 1)).items.get()
    response = shopper.post(f"/cart/items/{item.pk}/", {"quantity": quantity}, follow=True)
    assert response.status_code == 200
    assert any(expected in m for m in messages_of(response))
    item.refresh_from_db()
    assert item.quantity == 1


def test_another_carts_line_can_be_neither_changed_nor_removed(
    shopper, other_user, variant, fill_cart, user
):
    fill_cart(user, (variant, 1))
    theirs = fill_cart(other_user, (variant, 2)).items.get()
    response = shopper.post(f"/cart/items/{theirs.pk}/", {"quantity": 5}, follow=True)
    assert "Cart item not found." in messages_of(response)
    response = shopper.post(f"/cart/items/{theirs.pk}/remove/", follow=True)
    assert "Cart item not found." in messages_of(response)
    theirs.refresh_from_db()
    assert theirs.quantity == 2


def test_a_cart_gone_meanwhile_is_a_message(guest, variant):
    guest.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
    item = CartItem.objects.get()
    Cart.objects.all().delete()  # purged, or merged by a login in another tab
    for url, data in (
        (f"/cart/items/{item.pk}/", {"quantity": 2}),
        (f"/cart/items/{item.pk}/remove/", {}),
    ):
        response = guest.post(url, data, follow=True)
        assert response.status_code == 200
        assert any("replaced or expired" in m for m in messages_of(response))


def test_a_line_short_of_stock_is_flagged_and_blocks_checkout(shopper, user, variant, fill_cart):
    fill_cart(user, (variant, 5))
    Stock.objects.filter(variant=variant).update(quantity=2)
    body = text(shopper.get("/cart/"))
    assert 'data-problem="insufficient_stock"' in body
    assert "Only 2 left" in body
    assert 'data-testid="checkout"' not in body


# --- Coupons in the cart ----------------------------------------------------------------------------


def test_a_coupon_shows_its_discount_and_goes_on_to_checkout(
    shopper, user, variant, fill_cart, make_coupon
):
    make_coupon(user, kind="fixed", value="15", code="SAVE15")
    fill_cart(user, (variant, 2))
    response = shopper.post("/cart/coupon/", {"coupon_code": "save15"}, follow=True)
    assert "Coupon applied." in messages_of(response)
    body = text(response)
    assert 'data-testid="discount" data-amount="15.00"' in body
    # 100.00 - 15.00 = 85.00, below the free-shipping threshold: + 10.00.
    assert 'data-total="95.00"' in body
    assert 'value="save15"' in text(shopper.get("/checkout/"))

    response = shopper.post("/cart/coupon/", {"coupon_code": "save15", "remove": "1"}, follow=True)
    assert 'data-total="100.00"' in text(response)


@pytest.mark.parametrize("code", ["NOPE", "SPENT"])
def test_a_coupon_that_does_not_apply_is_a_message(
    shopper, user, variant, fill_cart, place, make_coupon, code
):
    make_coupon(user, kind="fixed", value="5", code="SPENT")
    place(user, (variant, 1), coupon_code="SPENT")
    fill_cart(user, (variant, 1))
    response = shopper.post("/cart/coupon/", {"coupon_code": code}, follow=True)
    assert messages_of(response) and "applied" not in messages_of(response)[0]
    assert "cart_coupon" not in shopper.session


def test_a_guest_is_asked_to_log_in_for_coupons(guest, variant):
    guest.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
    response = guest.post("/cart/coupon/", {"coupon_code": "ANY"}, follow=True)
    assert "Log in to use your coupons." in messages_of(response)


# --- Guest cart and login ---------------------------------------------------------------------------


def test_the_guest_cart_survives_registration(guest, variant):
    guest.post("/cart/add/", {"variant_id": variant.pk, "quantity": 2})
    response = guest.post(
        "/account/register/",
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "plum-blossom-77",
            "password2": "plum-blossom-77",
            "next": "/cart/",
        },
    )
    assert response["Location"] == "/cart/"
    cart = Cart.objects.get(user__username="newbie")
    assert list(cart.items.values_list("variant_id", "quantity")) == [(variant.pk, 2)]
    assert Cart.objects.count() == 1
    assert text(guest.get("/cart/")).count('data-testid="cart-line"') == 1


def test_the_guest_cart_merges_at_login(guest, user, variant, make_variant, fill_cart):
    other = make_variant(price="20.00", stock=5)
    fill_cart(user, (variant, 1))
    guest.post("/cart/add/", {"variant_id": variant.pk, "quantity": 2})
    guest.post("/cart/add/", {"variant_id": other.pk, "quantity": 1})
    user.set_password("pw-12345-long")
    user.save()
    guest.post("/account/login/", {"username": user.username, "password": "pw-12345-long"})
    cart = Cart.objects.get(user=user)
    assert dict(cart.items.values_list("variant_id", "quantity")) == {variant.pk: 3, other.pk: 1}


# --- Suggestions --------------------------------------------------------------------------------------


def test_the_cart_suggests_other_products(shopper, user, variant, make_variant, fill_cart):
    from catalog.models import Product

    other = make_variant(price="20.00", stock=5)
    Product.objects.update(in_stock=True)  # kept by an on_commit refresh the test does not run
    fill_cart(user, (variant, 1))
    body = text(shopper.get("/cart/"))
    assert 'data-testid="cart-suggestions"' in body
    assert other.product.name in body


# --- Checkout -----------------------------------------------------------------------------------------


def test_checkout_asks_a_guest_to_log_in(guest, variant):
    guest.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
    response = guest.get("/checkout/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/checkout/"


def test_checkout_of_an_empty_cart_goes_back_to_the_cart(shopper):
    response = shopper.get("/checkout/")
    assert response["Location"] == "/cart/"


def test_checkout_shows_totals_and_only_enabled_gateways(
    shopper, user, variant, fill_cart, tax, settings
):
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox", "alipay"]
    fill_cart(user, (variant, 1))
    body = text(shopper.get("/checkout/"))
    # 50.00 + 6% tax 3.00 + shipping 10.00
    assert 'data-total="63.00"' in body
    assert 'data-testid="shipping"' in body and "¥10.00" in body
    assert re.findall(r'name="payment_method" value="(\w+)"', body) == ["alipay", "sandbox"]
    for name in ("full_name", "phone", "province", "city", "district", "street", "postal_code"):
        assert f'name="{name}"' in body and f'for="id_{name}"' in body
    assert 'name="idempotency_key"' in body and 'data-testid="place-order"' in body
    assert "csrfmiddlewaretoken" in body


def place_form(**overrides):
    data = {
        "address_id": "new",
        **ADDRESS,
        "payment_method": "sandbox",
        "coupon_code": "",
        "idempotency_key": "k-1",
        "save_address": "1",
    }
    data.update(overrides)
    return data


def test_placing_an_order_with_a_new_address_lands_on_the_order(shopper, user, variant, fill_cart):
    fill_cart(user, (variant, 2))
    response = shopper.post("/checkout/", place_form())
    order = Order.objects.get(user=user)
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/"
    assert order.total == Decimal("100.00")
    assert order.shipping_address["street"] == ADDRESS["street"]
    assert Address.objects.filter(user=user, street=ADDRESS["street"]).count() == 1
    assert not CartItem.objects.filter(cart__user=user).exists()


def test_a_double_submit_places_one_order(shopper, user, variant, fill_cart):
    fill_cart(user, (variant, 1))
    first = shopper.post("/checkout/", place_form())
    second = shopper.post("/checkout/", place_form())
    assert Order.objects.filter(user=user).count() == 1
    assert first["Location"] == second["Location"]
    assert Address.objects.filter(user=user).count() == 1


def test_a_saved_address_and_a_coupon(shopper, user, variant, fill_cart, make_coupon):
    address = address_create(user, **ADDRESS)
    make_coupon(user, kind="percent", value="10", code="TEN")
    fill_cart(user, (variant, 2))
    body = text(shopper.get("/checkout/"))
    assert f'value="{address.pk}" checked' in body
    response = shopper.post("/checkout/", place_form(address_id=str(address.pk), coupon_code="TEN"))
    order = Order.objects.get(user=user)
    assert response["Location"] == f"/orders/{order.number}/"
    assert (order.discount_amount, order.shipping_amount, order.total) == (
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("100.00"),
    )


def test_apply_shows_the_coupon_totals_without_placing(
    shopper, user, variant, fill_cart, make_coupon
):
    make_coupon(user, kind="fixed", value="20", code="TWENTY")
    fill_cart(user, (variant, 2))
    response = shopper.post("/checkout/", place_form(coupon_code="TWENTY", action="apply"))
    assert response.status_code == 200
    assert 'data-total="90.00"' in text(response)
    assert not Order.objects.exists()


def test_out_of_stock_at_checkout_names_the_line(shopper, user, variant, fill_cart):
    fill_cart(user, (variant, 3))
    Stock.objects.filter(variant=variant).update(quantity=1)
    assert 'data-problem="insufficient_stock"' in text(shopper.get("/checkout/"))
    response = shopper.post("/checkout/", place_form())
    assert response.status_code == 409
    error = re.search(r'data-testid="checkout-error">([^<]*)<', text(response)).group(1)
    assert variant.product.name in error
    assert "requested 3, available 1" in error
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "status", "expected"),
    [
        ({"street": ""}, 400, "complete the shipping address"),
        ({"address_id": "x"}, 400, "Choose a shipping address"),
        ({"payment_method": "alipay"}, 400, "payment method is not available"),
        ({"payment_method": ""}, 400, "payment method is not available"),
        ({"coupon_code": "NOPE"}, 400, "coupon"),
        ({"idempotency_key": "\x01bad"}, 400, ""),
    ],
)
def test_checkout_errors_are_shown_on_the_page(
    shopper, user, variant, fill_cart, overrides, status, expected
):
    fill_cart(user, (variant, 1))
    response = shopper.post("/checkout/", place_form(**overrides))
    assert response.status_code == status
    assert 'data-testid="checkout-error"' in text(response)
    assert expected.lower() in text(response).lower()
    assert not Order.objects.exists()


def test_an_invalid_key_gets_a_fresh_one_for_the_next_submit(shopper, user, variant, fill_cart):
    fill_cart(user, (variant, 1))
    response = shopper.post("/checkout/", place_form(idempotency_key="\x01bad"))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', text(response)).group(1)
    assert key != "\x01bad"
    assert shopper.post("/checkout/", place_form(idempotency_key=key)).status_code == 302
    assert Order.objects.count() == 1


def test_another_users_address_cannot_be_used(shopper, user, other_user, variant, fill_cart):
    theirs = address_create(other_user, **ADDRESS)
    fill_cart(user, (variant, 1))
    response = shopper.post("/checkout/", place_form(address_id=str(theirs.pk)))
    assert response.status_code == 404
    assert 'data-testid="checkout-error"' in text(response)
    assert not Order.objects.exists()


def test_a_reused_form_with_another_body_goes_to_its_order(shopper, user, variant, fill_cart):
    fill_cart(user, (variant, 1))
    shopper.post("/checkout/", place_form())
    order = Order.objects.get()
    fill_cart(user, (variant, 1))
    response = shopper.post("/checkout/", place_form(notes="changed"))
    assert response["Location"] == f"/orders/{order.number}/"
    assert Order.objects.count() == 1


# --- Orders -------------------------------------------------------------------------------------------


def test_the_order_page_shows_status_timeline_lines_and_address(shopper, user, variant, place):
    order = place(user, (variant, 2))
    body = text(shopper.get(f"/orders/{order.number}/"))
    assert 'data-testid="order-status" data-status="pending"' in body
    timeline = re.search(r'data-testid="order-timeline">(.*?)</ol>', body, re.S).group(1)
    assert timeline.count("<li") == order.events.count() == 1
    assert ADDRESS["street"] in body
    assert 'data-testid="pay"' in body and 'data-testid="cancel-order"' in body
    assert f"<title>Order {order.number}" in body


def test_a_shipped_order_shows_tracking_and_confirms_receipt(shopper, user, variant, place):
    order = at_status(place(user, (variant, 1)), "shipped")
    body = text(shopper.get(f"/orders/{order.number}/"))
    assert 'data-testid="tracking-number">SF1<' in body
    assert 'data-testid="pay"' not in body and 'data-testid="cancel-order"' not in body
    response = shopper.post(f"/orders/{order.number}/confirm-receipt/", follow=True)
    order.refresh_from_db()
    assert order.status == "delivered"
    assert 'data-status="delivered"' in text(response)
    # Again: delivered cannot be delivered twice; a message, not a 500.
    response = shopper.post(f"/orders/{order.number}/confirm-receipt/", follow=True)
    assert response.status_code == 200 and messages_of(response)


def test_cancel_a_pending_order(shopper, user, variant, place):
    order = place(user, (variant, 2))
    response = shopper.post(f"/orders/{order.number}/cancel/", follow=True)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert "Your order has been cancelled." in messages_of(response)
    assert Stock.objects.get(variant=variant).quantity_allocated == 0
    body = text(response)
    assert 'data-status="cancelled"' in body and 'data-testid="cancel-order"' not in body
    response = shopper.post(f"/orders/{order.number}/cancel/", follow=True)
    assert response.status_code == 200 and messages_of(response)  # invalid_transition


def test_another_users_order_is_404_everywhere(shopper, other_user, variant, place):
    order = place(other_user, (variant, 1))
    assert shopper.get(f"/orders/{order.number}/").status_code == 404
    assert shopper.post(f"/orders/{order.number}/cancel/").status_code == 404
    assert shopper.post(f"/orders/{order.number}/confirm-receipt/").status_code == 404
    assert order.number not in text(shopper.get("/orders/"))
    order.refresh_from_db()
    assert order.status == "pending"


def test_order_pages_need_a_login(guest, user, variant, place):
    order = place(user, (variant, 1))
    for url in ("/orders/", f"/orders/{order.number}/"):
        assert guest.get(url)["Location"].startswith("/account/login/?next=")
    assert guest.post(f"/orders/{order.number}/cancel/").status_code == 302
    order.refresh_from_db()
    assert order.status == "pending"


def test_the_order_list_is_paginated(shopper, user, make_variant, place):
    variant = make_variant(stock=20)
    numbers = [place(user, (variant, 1)).number for _ in range(12)]
    first = text(shopper.get("/orders/"))
    second = text(shopper.get("/orders/?page=2"))
    assert first.count('data-testid="order-row"') == 10
    assert second.count('data-testid="order-row"') == 2
    assert numbers[-1] in first and numbers[0] in second
    assert shopper.get("/orders/?page=zzz").status_code == 200


# --- Query counts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 8])
def test_cart_page_queries_do_not_grow_with_lines(
    shopper, user, make_variant, fill_cart, make_coupon, n, django_assert_max_num_queries
):
    """With a coupon applied and suggestions shown (products of other lines' categories)."""
    from catalog.models import Product

    fill_cart(user, *[(make_variant(price="5.00", stock=5), 1) for _ in range(n)])
    for _ in range(3):
        make_variant(price="7.00", stock=5)
    Product.objects.update(in_stock=True)
    make_coupon(user, kind="fixed", value="1", code="ONE")
    shopper.post("/cart/coupon/", {"coupon_code": "ONE"})
    with django_assert_max_num_queries(CART_PAGE_QUERIES):
        response = shopper.get("/cart/")
    body = text(response)
    assert body.count('data-testid="cart-line"') == n
    assert 'data-testid="discount"' in body and 'data-testid="cart-suggestions"' in body


@pytest.mark.parametrize("n", [1, 8])
def test_checkout_page_queries_do_not_grow_with_lines(
    shopper, user, make_variant, fill_cart, make_coupon, n, django_assert_max_num_queries
):
    address_create(user, **ADDRESS)
    address_create(user, **{**ADDRESS, "street": "Another street 2"})
    fill_cart(user, *[(make_variant(price="5.00", stock=5), 1) for _ in range(n)])
    make_coupon(user, kind="fixed", value="1", code="ONE")
    shopper.post("/cart/coupon/", {"coupon_code": "ONE"})
    with django_assert_max_num_queries(CHECKOUT_PAGE_QUERIES):
        response = shopper.get("/checkout/")
    body = text(response)
    assert body.count('data-testid="checkout-line"') == n
    assert 'data-testid="discount"' in body


@pytest.mark.parametrize("n", [1, 8])
def test_order_page_queries_do_not_grow_with_lines(
    shopper, user, make_variant, place, n, django_assert_max_num_queries
):
    order = at_status(
        place(user, *[(make_variant(price="5.00", stock=5), 1) for _ in range(n)]), "shipped"
    )
    with django_assert_max_num_queries(ORDER_PAGE_QUERIES):
        response = shopper.get(f"/orders/{order.number}/")
    assert text(response).count('data-testid="order-line"') == n


@pytest.mark.parametrize("n", [1, 8])
def test_order_list_queries_do_not_grow_with_orders(
    shopper, user, variant, place, n, django_assert_max_num_queries
):
    for _ in range(n):
        place(user, (variant, 1))
    with django_assert_max_num_queries(ORDER_LIST_QUERIES):
        shopper.get("/orders/")


# Pinned, whatever the number of lines: session + user, then the page's reads. Cart: cart, lines,
# images, availability, hidden categories, coupon, and the suggestions (categories, products,
# images): 11 with catalog's default for-you list, 12 with recommendations' provider, whose
# fallback for a user without history reads products twice. Checkout: cart, lines, images,
# availability, hidden categories, addresses, coupon. Order: order, lines, shipments, events, and
# the after-sales box's requests (aftersales' template tag). List: count, orders, lines, shipments.
CART_PAGE_QUERIES = 12
CHECKOUT_PAGE_QUERIES = 9
ORDER_PAGE_QUERIES = 7
ORDER_LIST_QUERIES = 6


def test_a_users_other_account_cannot_see_a_guest_cart(variant):
    """A guest token in the session never opens a signed-in user's cart."""
    owner = UserFactory()
    services.cart_item_add(
        services.cart_get_or_create(user=owner), variant_id=variant.pk, quantity=1
    )
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(Cart.objects.get(user=owner).token)
    session.save()
    assert 'data-testid="cart-line"' not in text(client.get("/cart/"))


class _Fields(HTMLParser):
    """Inputs a person fills (not hidden, not buttons) and the ids labels point at."""

    def __init__(self):
        super().__init__()
        self.fields, self.labelled = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in (
            "hidden",
            "submit",
        ):
            self.fields.append((attrs.get("name"), attrs.get("id")))


def test_every_field_of_the_cart_checkout_and_order_pages_has_a_label(
    shopper, user, variant, fill_cart, place
):
    address_create(user, **ADDRESS)
    order = place(user, (variant, 1))
    fill_cart(user, (variant, 1))
    for url in ("/cart/", "/checkout/", f"/orders/{order.number}/", "/orders/"):
        parser = _Fields()
        parser.feed(text(shopper.get(url)))
        unlabelled = [f for f in parser.fields if f[1] not in parser.labelled]
        assert parser.fields and unlabelled == [], url

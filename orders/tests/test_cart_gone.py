"""A cart deleted between the request's read and the service's lock (a login merged it away, the
abandoned-cart purge removed it) answers 409 `cart_gone`, and nothing of the request is kept."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from inventory.models import Allocation
from orders import locks, services
from orders.models import Cart, CartItem, Order, OrderEvent
from orders.tests.helpers import ADDRESS, stock_of

CART = "/api/v1/cart/"
ITEMS = "/api/v1/cart/items/"
MERGE = "/api/v1/cart/merge/"
ORDERS = "/api/v1/orders/"


def _delete_in_this_transaction(pk):
    Cart.objects.filter(pk=pk).delete()


def _delete_from_another_connection(pk):
    # What really happens: another request's transaction deletes the cart and commits.
    def run():
        try:
            Cart.objects.filter(pk=pk).delete()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()


@pytest.fixture
def vanish(monkeypatch):
    """vanish(cart, delete=...): the cart is deleted right before the service locks it."""

    def arm(cart, delete=_delete_in_this_transaction):
        real = locks.cart_lock
        calls = []

        def deleting_then_locking(locked_cart):
            if locked_cart.pk == cart.pk and not calls:
                calls.append(locked_cart.pk)
                delete(cart.pk)
            return real(locked_cart)

        monkeypatch.setattr(locks, "cart_lock", deleting_then_locking)
        return calls

    return arm


def guest_cart(variant, quantity=2):
    cart = services.cart_get_or_create()
    services.cart_item_add(cart, variant_id=variant.pk, quantity=quantity)
    return cart


def client_for(cart=None):
    # A 500 must come back as a response (so the test fails on the status), not as a raise.
    client = APIClient(raise_request_exception=False)
    if cart is not None:
        client.credentials(HTTP_X_CART_TOKEN=str(cart.token))
    return client


def assert_gone(response, calls):
    assert calls, "the cart was not deleted at the lock: the test did not test anything"
    assert response.status_code == 409, getattr(response, "data", response)
    assert response.data["code"] == "cart_gone"


@pytest.mark.django_db
def test_add_to_a_vanished_guest_cart(vanish, make_variant):
    variant, other = make_variant(stock=10), make_variant(stock=10)
    cart = guest_cart(variant)
    calls = vanish(cart)
    response = client_for(cart).post(ITEMS, {"variant_id": other.pk, "quantity": 3})
    assert_gone(response, calls)
    assert not CartItem.objects.filter(variant=other).exists()
    assert stock_of(other).quantity_allocated == 0


@pytest.mark.django_db
def test_update_and_remove_a_line_of_a_vanished_cart(vanish, make_variant):
    variant = make_variant(stock=10)
    cart = guest_cart(variant, 2)
    item = cart.items.get()
    calls = vanish(cart)
    response = client_for(cart).patch(f"{ITEMS}{item.pk}/", {"quantity": 5})
    assert_gone(response, calls)
    assert CartItem.objects.get(pk=item.pk).quantity == 2  # the write was rolled back

    calls = vanish(cart)
    response = client_for(cart).delete(f"{ITEMS}{item.pk}/")
    assert_gone(response, calls)
    assert CartItem.objects.filter(pk=item.pk).exists()


@pytest.mark.django_db
def test_clear_a_vanished_cart(vanish, make_variant):
    cart = guest_cart(make_variant(stock=10))
    calls = vanish(cart)
    response = client_for(cart).delete(CART)
    assert_gone(response, calls)


@pytest.mark.django_db
def test_checkout_with_a_vanished_cart(vanish, user, make_variant):
    variant = make_variant(stock=10)
    cart = services.cart_get_or_create(user=user)
    services.cart_item_add(cart, variant_id=variant.pk, quantity=2)
    calls = vanish(cart)
    client = client_for()
    client.force_authenticate(user)
    response = client.post(
        ORDERS, {"shipping_address": ADDRESS, "payment_method": "sandbox"}, format="json"
    )
    assert_gone(response, calls)
    assert not Order.objects.exists()
    assert not OrderEvent.objects.exists()
    assert not Allocation.objects.exists()
    assert stock_of(variant).quantity_allocated == 0


@pytest.mark.django_db
def test_merge_into_a_vanished_user_cart(vanish, user, make_variant):
    variant = make_variant(stock=10)
    mine = services.cart_get_or_create(user=user)
    guest = guest_cart(variant, 2)
    calls = vanish(mine)
    client = client_for()
    client.force_authenticate(user)
    response = client.post(MERGE, {"token": str(guest.token)})
    assert_gone(response, calls)
    # The guest cart and its line are still there for the retry.
    assert list(Cart.objects.get(pk=guest.pk).items.values_list("quantity", flat=True)) == [2]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cart_purged_by_another_transaction_before_the_lock(vanish, make_variant):
    """The real race: the purge commits on its own connection between the read and the lock."""
    variant, other = make_variant(stock=10), make_variant(stock=10)
    cart = guest_cart(variant)
    calls = vanish(cart, delete=_delete_from_another_connection)
    response = client_for(cart).post(ITEMS, {"variant_id": other.pk, "quantity": 3})
    assert_gone(response, calls)
    assert not Cart.objects.filter(pk=cart.pk).exists()
    assert not CartItem.objects.exists()

    # The retry with the dead token gets a fresh cart with the line and a new token.
    response = client_for(cart).post(ITEMS, {"variant_id": other.pk, "quantity": 3})
    assert response.status_code == 201
    assert response.data["token"] != str(cart.token)
    assert [(i["variant_id"], i["quantity"]) for i in response.data["items"]] == [(other.pk, 3)]

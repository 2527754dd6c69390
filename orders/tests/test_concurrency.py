"""Races on PostgreSQL with real threads: row locks decide, and the loser sees the winner's state."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from inventory.exceptions import InsufficientStock
from orders import services
from orders.exceptions import OrderNotPayable
from orders.models import Order, OrderEvent
from orders.tests.helpers import ADDRESS, stock_of
from promotions.models import UserCoupon

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*functions):
    """Run the functions at the same moment in threads; return each one's result or exception."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as exc:  # the test inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_last_unit_bought_by_two_checkouts(make_variant, fill_cart):
    variant = make_variant(stock=1)
    buyers = [UserFactory(), UserFactory()]
    carts = [fill_cart(buyer, (variant, 1)) for buyer in buyers]

    def checkout(buyer, cart):
        return lambda: services.order_place(
            buyer, cart=cart, shipping_address=ADDRESS, payment_method="sandbox"
        )

    results = race(*(checkout(b, c) for b, c in zip(buyers, carts, strict=True)))

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert (len(placed), len(refused)) == (1, 1), results
    assert Order.objects.count() == 1
    stock = stock_of(variant)
    assert (stock.quantity, stock.quantity_allocated) == (1, 1)
    loser = buyers[results.index(refused[0])]
    assert loser.cart.items.get().quantity == 1  # the loser's cart is intact


def test_same_idempotency_key_at_once_places_one_order(user, make_variant, fill_cart):
    variant = make_variant(stock=10)
    cart = fill_cart(user, (variant, 2))

    def checkout():
        return services.order_place(
            user,
            cart=cart,
            shipping_address=ADDRESS,
            payment_method="sandbox",
            idempotency_key="double-tap",
        )

    results = race(checkout, checkout)
    assert all(isinstance(r, Order) for r in results), results
    assert results[0].pk == results[1].pk
    assert Order.objects.count() == 1
    assert stock_of(variant).quantity_allocated == 2


@pytest.mark.parametrize("attempt", range(4))
def test_expiry_racing_payment_ends_in_one_consistent_state(
    attempt, user, make_variant, make_coupon, place
):
    variant = make_variant(stock=5)
    coupon = make_coupon(user, code=f"RACE{attempt}")
    order = place(user, (variant, 2), coupon_code=coupon.template.code)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    paid, expired = race(
        lambda: services.order_mark_paid(Order.objects.get(pk=order.pk), gateway="sandbox"),
        lambda: services.order_expire(Order.objects.get(pk=order.pk)),
    )

    order.refresh_from_db()
    coupon.refresh_from_db()
    transitions = set(
        OrderEvent.objects.filter(order=order, kind="status").values_list(
            "from_status", "to_status"
        )
    )
    allocated = stock_of(variant).quantity_allocated
    if order.status == "processing":
        assert isinstance(paid, Order) and expired.status == "processing"
        assert order.payment_status == "paid"
        assert allocated == 2
        assert coupon.status == UserCoupon.Status.USED and coupon.order_id == order.pk
        assert ("pending", "processing") in transitions
        assert ("pending", "cancelled") not in transitions
    else:
        assert order.status == "cancelled", order.status
        assert isinstance(paid, OrderNotPayable), paid
        assert order.payment_status == "pending"
        assert allocated == 0
        assert coupon.status == UserCoupon.Status.UNUSED and coupon.order_id is None
        assert ("pending", "cancelled") in transitions
        assert ("pending", "processing") not in transitions
    assert len(transitions) == 2  # the placement and exactly one of the two

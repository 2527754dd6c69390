"""Races between two different operations on one order, one stock row or one cart, on PostgreSQL
with real threads. Each test repeats its race for a few rounds (fresh rows each round) and ends
with the stock ledger and allocations consistent and inventory_check clean."""

import itertools
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from conftest import bearer
from inventory.exceptions import InsufficientStock
from inventory.models import StockMovement
from inventory.services import stock_adjust
from inventory.tests.helpers import assert_stock_consistent
from orders import services
from orders.exceptions import InvalidTransition, RefundInvalid
from orders.models import Cart, CartItem, Order, OrderEvent, Shipment
from orders.tests.helpers import ADDRESS, at_status, stock_of
from promotions.models import UserCoupon

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 6


def race(*functions):
    """Start the functions together (one barrier) in threads; each returns its result or exception.
    Every thread closes its own database connection."""
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
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results


def fresh(order):
    """The order as a thread reads it before calling a service (its own connection)."""
    return Order.objects.get(pk=order.pk)


def transitions(order, kind=OrderEvent.Kind.STATUS):
    return list(
        OrderEvent.objects.filter(order=order, kind=kind)
        .order_by("pk")
        .values_list("from_status", "to_status")
    )


def test_cancel_racing_ship_of_a_paid_order(user, staff, make_variant, place):
    for _round in range(ROUNDS):
        variant = make_variant(price="50.00", stock=10)
        order = at_status(place(user, (variant, 3)), "processing")
        ledger_rows = StockMovement.objects.count()

        cancelled, shipped = race(
            lambda order=order: services.order_cancel(fresh(order), actor=staff, reason="race"),
            lambda order=order: services.order_ship(
                fresh(order), carrier="SF", tracking_number="SF9", actor=staff
            ),
        )

        order.refresh_from_db()
        stock = stock_of(variant)
        moves = transitions(order)
        notes = OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.NOTE)
        assert stock.quantity_allocated == 0
        if order.status == "cancelled":
            assert isinstance(cancelled, Order) and isinstance(shipped, InvalidTransition), (
                cancelled,
                shipped,
            )
            assert stock.quantity == 10  # released, nothing left the shelf
            assert StockMovement.objects.count() == ledger_rows
            assert not Shipment.objects.filter(order=order).exists()
            assert moves[-1] == ("processing", "cancelled")
            assert notes.filter(to_status="refund_due").count() == 1
        else:
            assert order.status == "shipped", order.status
            assert isinstance(shipped, Order) and isinstance(cancelled, InvalidTransition), (
                cancelled,
                shipped,
            )
            assert stock.quantity == 7  # shipped once
            assert StockMovement.objects.count() == ledger_rows + 1
            assert Shipment.objects.filter(order=order).count() == 1
            assert moves[-1] == ("processing", "shipped")
            assert not notes.exists()
        assert order.payment_status == "paid"
        assert moves[:2] == [("", "pending"), ("pending", "processing")] and len(moves) == 3
    assert_stock_consistent()


@pytest.mark.parametrize(
    "amounts, winners",
    [
        (("60.00", "60.00"), 1),  # together more than paid: one is refused
        (("100.00", "100.00"), 1),  # two full refunds: one is refused
        (("40.00", "60.00"), 2),  # together exactly the total: both, and the order ends refunded
    ],
    ids=["partials-over-total", "two-full", "partials-equal-total"],
)
def test_refund_racing_refund(amounts, winners, user, staff, make_variant, place):
    for _round in range(ROUNDS):
        variant = make_variant(price="50.00", stock=10)
        order = at_status(place(user, (variant, 2)), "processing")
        assert order.total == Decimal("100.00")

        results = race(
            *(
                lambda amount=amount, order=order: services.order_refund(
                    fresh(order), amount=Decimal(amount), actor=staff
                )
                for amount in amounts
            )
        )

        won = [r for r in results if isinstance(r, Order)]
        lost = [r for r in results if not isinstance(r, Order)]
        assert len(won) == winners, results
        assert all(isinstance(r, (RefundInvalid, InvalidTransition)) for r in lost), lost
        order.refresh_from_db()
        refunded = sum(
            (Decimal(a) for a, r in zip(amounts, results, strict=True) if isinstance(r, Order)),
            Decimal("0.00"),
        )
        assert order.refunded_amount == refunded <= order.total
        payments = transitions(order, OrderEvent.Kind.PAYMENT)
        stock = stock_of(variant)
        if refunded == order.total:
            assert (order.status, order.payment_status) == ("refunded", "refunded")
            assert transitions(order)[-1] == ("processing", "refunded")
            assert payments[-1][1] == "refunded"
            assert (stock.quantity, stock.quantity_allocated) == (10, 0)  # released once
        else:
            assert (order.status, order.payment_status) == ("processing", "partially_refunded")
            assert transitions(order)[-1] == ("pending", "processing")
            assert (stock.quantity, stock.quantity_allocated) == (10, 2)  # still held
        # One payment event per accepted refund, chained from the previous payment status.
        assert len(payments) == 1 + winners
        assert all(a[1] == b[0] for a, b in itertools.pairwise(payments))
    assert_stock_consistent()


def test_cancel_racing_expire_of_a_pending_order(user, make_variant, make_coupon, place):
    for index in range(ROUNDS):
        variant = make_variant(stock=5)
        coupon = make_coupon(user, code=f"CX{index}")
        order = place(user, (variant, 2), coupon_code=coupon.template.code)
        Order.objects.filter(pk=order.pk).update(expires_at=order.created_at)
        ledger_rows = StockMovement.objects.count()

        cancelled, expired = race(
            lambda order=order: services.order_cancel(fresh(order), actor=user),
            lambda order=order: services.order_expire(fresh(order)),
        )

        assert isinstance(expired, Order), expired  # expiry never raises, it only skips
        assert isinstance(cancelled, (Order, InvalidTransition)), cancelled
        order.refresh_from_db()
        coupon.refresh_from_db()
        assert order.status == "cancelled"
        assert transitions(order) == [("", "pending"), ("pending", "cancelled")]
        stock = stock_of(variant)
        assert (stock.quantity, stock.quantity_allocated) == (5, 0)
        assert StockMovement.objects.count() == ledger_rows  # a release writes no ledger row
        assert coupon.status == UserCoupon.Status.UNUSED and coupon.order_id is None
        assert UserCoupon.objects.filter(user=user, template=coupon.template).count() == 1
    assert_stock_consistent()


def test_adjust_down_racing_allocation_of_the_last_units(user, staff, make_variant, fill_cart):
    # Checkout does more work before it locks the stock row than an adjustment does, so from one
    # barrier the adjustment nearly always wins; the staggered starts let checkout win some rounds.
    outcomes = set()
    for delay in (0, 0, 0.01, 0.02, 0.04, 0.08, 0.2, 0.5):
        variant = make_variant(stock=5)
        cart = fill_cart(user, (variant, 5))
        warehouse = stock_of(variant).warehouse

        def adjust(variant=variant, warehouse=warehouse, delay=delay):
            time.sleep(delay)
            return stock_adjust(
                variant, warehouse=warehouse, delta=-3, reason="damage", actor=staff
            )

        placed, adjusted = race(
            lambda cart=cart: services.order_place(
                user, cart=cart, shipping_address=ADDRESS, payment_method="sandbox"
            ),
            adjust,
        )
        outcomes.add(type(placed).__name__)

        stock = stock_of(variant)
        if isinstance(placed, Order):
            # The order took the last units first: the count may not go below what is allocated.
            assert type(adjusted).__name__ == "StockBelowAllocated", adjusted
            assert (stock.quantity, stock.quantity_allocated) == (5, 5)
        else:
            assert isinstance(placed, InsufficientStock), placed
            assert adjusted.quantity == 2
            assert (stock.quantity, stock.quantity_allocated) == (2, 0)
            assert cart.items.get().quantity == 5  # the refused checkout left the cart alone
        assert stock.movements.count() == (1 if isinstance(placed, Order) else 2)
        # Clean up for the next round: the cart and the user's orders do not matter any more.
        CartItem.objects.filter(cart=cart).delete()
    assert outcomes == {"Order", "InsufficientStock"}, outcomes  # both orders of events were run
    assert_stock_consistent()


MERGE_URL = "/api/v1/cart/merge/"


def merge_call(user, token):
    def call():
        client = APIClient()
        client.credentials(**bearer(user))
        return client.post(MERGE_URL, {"token": str(token)}, format="json")

    return call


def guest_cart(*lines):
    guest = services.cart_get_or_create()
    for variant, quantity in lines:
        services.cart_item_add(guest, variant_id=variant.pk, quantity=quantity)
    return guest


def test_two_logins_of_one_user_merge_the_guest_cart_once(make_variant, fill_cart):
    for index in range(ROUNDS):
        a, b = make_variant(stock=20), make_variant(stock=20)
        user = UserFactory()
        if index % 2:
            fill_cart(user, (a, 1))  # every other round the user has a cart already
        guest = guest_cart((a, 2), (b, 3))

        results = race(merge_call(user, guest.token), merge_call(user, guest.token))

        codes = sorted(r.status_code for r in results)
        assert codes == [200, 404], results
        refused = next(r for r in results if r.status_code == 404)
        assert refused.json()["code"] == "cart_not_found"
        assert not Cart.objects.filter(pk=guest.pk).exists()
        assert Cart.objects.filter(user=user).count() == 1
        lines = dict(Cart.objects.get(user=user).items.values_list("variant_id", "quantity"))
        assert lines == {a.pk: 2 + index % 2, b.pk: 3}  # added once, not twice


def test_two_users_merging_one_guest_token_split_nothing(make_variant, fill_cart):
    for _round in range(ROUNDS):
        a = make_variant(stock=20)
        first, second = UserFactory(), UserFactory()
        fill_cart(first, (a, 1))
        guest = guest_cart((a, 2))

        results = race(merge_call(first, guest.token), merge_call(second, guest.token))

        assert sorted(r.status_code for r in results) == [200, 404], results
        winner = (first, second)[[r.status_code for r in results].index(200)]
        mine = dict(Cart.objects.get(user=winner).items.values_list("variant_id", "quantity"))
        assert mine == {a.pk: 3 if winner == first else 2}
        loser = second if winner == first else first
        theirs = Cart.objects.filter(user=loser).first()
        expected = {a.pk: 1} if loser == first else {}
        got = dict(theirs.items.values_list("variant_id", "quantity")) if theirs else {}
        assert got == expected
        assert not Cart.objects.filter(pk=guest.pk).exists()


ORDERS_URL = "/api/v1/orders/"


def place_call(user, key, notes):
    def call():
        client = APIClient()
        client.credentials(**bearer(user))
        body = {"shipping_address": ADDRESS, "payment_method": "sandbox", "notes": notes}
        return client.post(ORDERS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    return call


@pytest.mark.parametrize("same_body", [False, True], ids=["different-bodies", "same-body"])
def test_same_idempotency_key_at_once_through_the_api(same_body, make_variant, fill_cart):
    for index in range(ROUNDS):
        variant = make_variant(stock=10)
        user = UserFactory()
        fill_cart(user, (variant, 2))
        key = f"tap-{index}"

        results = race(
            place_call(user, key, "ring twice"),
            place_call(user, key, "ring twice" if same_body else "leave at the door"),
        )

        codes = sorted(r.status_code for r in results)
        assert Order.objects.filter(user=user).count() == 1
        order = Order.objects.get(user=user)
        placed = next(r for r in results if r.status_code == 201)
        assert placed.json()["number"] == order.number
        other = next(r for r in results if r is not placed)
        if same_body:
            assert codes == [200, 201], [r.content for r in results]
            assert other["Idempotent-Replayed"] == "true"
            assert other.json()["number"] == order.number
        else:
            assert codes == [201, 409], [r.content for r in results]
            assert other.json()["code"] == "idempotency_key_reused"
            assert other.json()["order_number"] == order.number
        stock = stock_of(variant)
        assert (stock.quantity, stock.quantity_allocated) == (10, 2)  # allocated once
        assert not CartItem.objects.filter(cart__user=user).exists()
    assert_stock_consistent()

"""Races on PostgreSQL with real threads: row locks decide, and the loser sees the winner's state."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import Product
from inventory.exceptions import InsufficientStock
from orders import services
from orders.exceptions import OrderNotPayable
from orders.models import Order, OrderEvent
from orders.tests.helpers import ADDRESS, at_status, stock_of
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


def _pauses_after_first_product_update(mine: threading.Event, theirs: threading.Event, peer_pid):
    """An execute wrapper that forces the interleaving which deadlocked: after this thread's
    first UPDATE of a product it waits until the other thread has done its own first product
    UPDATE, or is blocked waiting for a lock (then waiting longer could only deadlock the test)."""
    table = Product._meta.db_table
    state = {"paused": False}

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if state["paused"] or not sql.startswith(f'UPDATE "{table}"'):
            return result
        state["paused"] = True
        mine.set()
        deadline = time.monotonic() + 10
        while not theirs.wait(0.005) and time.monotonic() < deadline:
            with context["connection"].cursor() as cursor:
                cursor.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)",
                    [peer_pid()],
                )
                if cursor.fetchone()[0]:
                    break
        return result

    return wrapper


def _interleaved_shipments(orders, staff):
    """Two functions shipping the two orders, each pausing after its first product UPDATE."""
    events = [threading.Event(), threading.Event()]
    pids = [None, None]

    def ship(index):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids[index] = cursor.fetchone()[0]
        wrapper = _pauses_after_first_product_update(
            events[index], events[1 - index], lambda: pids[1 - index]
        )
        with connection.execute_wrapper(wrapper):
            return services.order_ship(
                Order.objects.get(pk=orders[index].pk),
                carrier="SF",
                tracking_number=f"SF{index}",
                actor=staff,
            )

    return (lambda: ship(0)), (lambda: ship(1))


def test_shipments_with_opposite_product_order_do_not_deadlock(user, staff, make_variant, place):
    """Two orders hold the same two products in opposite line order (different variants, so the
    stock rows do not serialise them). Shipping both at once must not deadlock."""
    product_a = make_variant(stock=50).product
    product_b = make_variant(stock=50).product
    a1, a2 = (make_variant(stock=50, product=product_a) for _ in range(2))
    b1, b2 = (make_variant(stock=50, product=product_b) for _ in range(2))
    rounds = 5
    for _round in range(rounds):
        orders = [
            at_status(place(user, (a1, 1), (b1, 2)), "processing"),
            at_status(place(user, (b2, 3), (a2, 4)), "processing"),
        ]
        results = race(*_interleaved_shipments(orders, staff))
        assert all(isinstance(result, Order) for result in results), results
    product_a.refresh_from_db()
    product_b.refresh_from_db()
    assert (product_a.sales_count, product_b.sales_count) == (5 * rounds, 5 * rounds)


def test_same_email_task_twice_at_once_mails_once(user, make_variant, place):
    from django.core import mail

    from orders import tasks

    order = place(user, (make_variant(stock=5), 1))
    mail.outbox.clear()
    results = race(
        lambda: tasks.order_email_send(order.pk, "paid"),
        lambda: tasks.order_email_send(order.pk, "paid"),
    )
    assert sorted(results) == [False, True], results
    assert len(mail.outbox) == 1

"""Real concurrent transactions on PostgreSQL: threads, each with its own connection."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from catalog.tests.factories import VariantFactory
from inventory import services
from inventory.exceptions import InsufficientStock
from inventory.models import Allocation, Stock
from inventory.tests.factories import WarehouseFactory
from inventory.tests.helpers import assert_invariants
from orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_threads(count: int, work) -> list:
    """Start `count` threads that wait on one barrier, then call work(i); collect results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # the assertion below reports it
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def place(user, number, lines):
    """What checkout does: the order, its lines and the allocation in one transaction."""
    with transaction.atomic():
        order = OrderFactory(user=user, number=number)
        made = [OrderLineFactory(order=order, variant=v, quantity=q) for v, q in lines]
        services.stock_allocate(made, actor=user)
    return order


def test_fifty_buyers_race_for_ten_units():
    warehouse = WarehouseFactory(code="main", priority=1)
    variant = VariantFactory()
    services.stock_receive(variant, warehouse=warehouse, quantity=10)
    buyer = UserFactory()

    results = run_threads(50, lambda i: place(buyer, f"RACE-{i:03d}", [(variant, 1)]))

    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 10
    assert len(lost) == 40
    assert all(isinstance(exc, InsufficientStock) for exc in lost), lost[:3]
    assert {exc.extra["lines"][0]["available"] for exc in lost} == {0}
    stock = Stock.objects.get()
    assert (stock.quantity, stock.quantity_allocated) == (10, 10)
    assert Allocation.objects.filter(quantity__gt=0).count() == 10
    assert_invariants()
    call_command("inventory_check", stdout=StringIO())  # raises CommandError on any problem


def test_opposite_line_order_does_not_deadlock():
    warehouse = WarehouseFactory(code="main", priority=1)
    first, second = VariantFactory(), VariantFactory()
    services.stock_receive(first, warehouse=warehouse, quantity=100)
    services.stock_receive(second, warehouse=warehouse, quantity=100)
    buyer = UserFactory()
    rounds = 10

    def work(i):
        lines = [(first, 1), (second, 1)]
        return place(buyer, f"DL-{i:03d}", lines if i % 2 else lines[::-1])

    results = run_threads(2 * rounds, work)

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    for variant in (first, second):
        assert Stock.objects.get(variant=variant).quantity_allocated == 2 * rounds
    assert_invariants()


def test_release_racing_ship_happens_once():
    """A payment notify and an expiry racing on one order: the units go out or back, never both."""
    warehouse = WarehouseFactory(code="main", priority=1)
    variant = VariantFactory()
    services.stock_receive(variant, warehouse=warehouse, quantity=10)
    order = place(UserFactory(), "ONCE-1", [(variant, 4)])

    def work(i):
        with transaction.atomic():
            (services.stock_ship if i % 2 else services.stock_release)(order)

    assert [r for r in run_threads(8, work) if isinstance(r, Exception)] == []
    stock = Stock.objects.get()
    assert stock.quantity_allocated == 0
    assert stock.quantity in (6, 10)  # shipped once or released once
    assert stock.movements.filter(reason="sale").count() == (1 if stock.quantity == 6 else 0)
    assert_invariants()

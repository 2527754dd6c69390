"""Assertions shared by the inventory tests (and the race tests of other apps)."""

from collections import defaultdict
from io import StringIO

from django.core.management import call_command

from inventory.models import Allocation, Stock, StockMovement
from inventory.queries import stock_allocation_drift, stock_ledger_drift


def assert_invariants():
    """What inventory_check verifies, plus the row constraints, for every stock row."""
    for stock in Stock.objects.all():
        assert 0 <= stock.quantity_allocated <= stock.quantity, stock
    assert list(stock_allocation_drift()) == []
    assert list(stock_ledger_drift()) == []


def assert_stock_consistent():
    """After a race: every stock row agrees with its ledger and its open allocations, recomputed
    here in Python (independently of the queries inventory_check uses), and inventory_check
    itself passes (it raises CommandError on any drift)."""
    ledger: dict[int, int] = defaultdict(int)
    for stock_id, delta in StockMovement.objects.values_list("stock_id", "delta"):
        ledger[stock_id] += delta
    held: dict[int, int] = defaultdict(int)
    for stock_id, units in Allocation.objects.filter(quantity__gt=0).values_list(
        "stock_id", "quantity"
    ):
        held[stock_id] += units
    for stock in Stock.objects.all():
        assert 0 <= stock.quantity_allocated <= stock.quantity, stock
        assert ledger[stock.pk] == stock.quantity, (stock, ledger[stock.pk])
        assert held[stock.pk] == stock.quantity_allocated, (stock, held[stock.pk])
    assert not Allocation.objects.filter(quantity__lt=0).exists()
    assert_invariants()
    call_command("inventory_check", stdout=StringIO())

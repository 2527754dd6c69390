"""Assertions shared by the inventory tests."""

from inventory.models import Stock
from inventory.queries import stock_allocation_drift, stock_ledger_drift


def assert_invariants():
    """What inventory_check verifies, plus the row constraints, for every stock row."""
    for stock in Stock.objects.all():
        assert 0 <= stock.quantity_allocated <= stock.quantity, stock
    assert list(stock_allocation_drift()) == []
    assert list(stock_ledger_drift()) == []

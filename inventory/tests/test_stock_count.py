"""stock_count_set: a counted on-hand (opening balance, stocktake, import) through the ledger."""

import pytest

from inventory import services
from inventory.exceptions import InvalidStockChange, StockBelowAllocated
from inventory.models import Stock, StockMovement

pytestmark = pytest.mark.django_db


def test_count_sets_on_hand_with_one_adjustment_row(stocked, variant, warehouse, staff):
    stock = services.stock_count_set(variant, warehouse=warehouse, quantity=4, actor=staff)
    assert stock.quantity == 4
    move = StockMovement.objects.order_by("-pk").first()
    assert (move.reason, move.delta, move.quantity_before, move.quantity_after, move.user) == (
        "adjustment",
        -6,
        10,
        4,
        staff,
    )


def test_same_count_writes_nothing(stocked, variant, warehouse):
    before = StockMovement.objects.count()
    services.stock_count_set(variant, warehouse=warehouse, quantity=10)
    assert StockMovement.objects.count() == before


def test_opening_balance_on_a_new_row(variant, warehouse):
    assert services.stock_count_set(variant, warehouse=warehouse, quantity=0) is None
    assert not Stock.objects.exists()
    stock = services.stock_count_set(variant, warehouse=warehouse, quantity=12)
    assert stock.quantity == 12
    assert StockMovement.objects.get().delta == 12


def test_count_refuses_negative_and_below_allocated(stocked, variant, warehouse):
    with pytest.raises(InvalidStockChange):
        services.stock_count_set(variant, warehouse=warehouse, quantity=-1)
    Stock.objects.filter(pk=stocked.pk).update(quantity_allocated=5)
    with pytest.raises(StockBelowAllocated):
        services.stock_count_set(variant, warehouse=warehouse, quantity=4)
    assert Stock.objects.get(pk=stocked.pk).quantity == 10

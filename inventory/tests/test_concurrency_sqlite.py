"""The embedded default under concurrency: SQLite serialises writers (IMMEDIATE transactions), so
racing checkouts queue for the write lock and re-read stock inside it; none can oversell."""

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from catalog.tests.factories import VariantFactory
from inventory import services
from inventory.exceptions import InsufficientStock
from inventory.models import Stock
from inventory.tests.factories import WarehouseFactory
from inventory.tests.helpers import assert_invariants
from inventory.tests.test_concurrency import place, run_threads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the PostgreSQL race is test_concurrency")
def test_twelve_buyers_race_for_four_units_on_sqlite():
    warehouse = WarehouseFactory(code="main", priority=1)
    variant = VariantFactory()
    services.stock_receive(variant, warehouse=warehouse, quantity=4)
    buyer = UserFactory()

    results = run_threads(12, lambda i: place(buyer, f"SQLITE-{i:03d}", [(variant, 1)]))

    lost = [r for r in results if isinstance(r, Exception)]
    assert len(results) - len(lost) == 4
    assert all(isinstance(exc, InsufficientStock) for exc in lost), lost[:3]
    stock = Stock.objects.get()
    assert (stock.quantity, stock.quantity_allocated) == (4, 4)
    assert_invariants()

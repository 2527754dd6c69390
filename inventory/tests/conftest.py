import pytest

from catalog.tests.conftest import make_product  # noqa: F401 (a fixture for test_catalog_stock)
from catalog.tests.factories import VariantFactory
from inventory import services
from inventory.tests.factories import WarehouseFactory


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="main", priority=10)


@pytest.fixture
def second_warehouse(db):
    return WarehouseFactory(code="backup", priority=20)


@pytest.fixture
def variant(db):
    return VariantFactory()


@pytest.fixture
def stocked(variant, warehouse, django_capture_on_commit_callbacks):
    """`variant` with 10 units received in `warehouse` (through the service, so the ledger agrees),
    its on-commit work done as after a real commit (Product.in_stock refreshed)."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.stock_receive(variant, warehouse=warehouse, quantity=10)

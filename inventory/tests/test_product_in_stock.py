"""Product.in_stock follows every stock change, and the list's `in_stock` filter agrees with it.

The refresh runs on commit of the stock change (inventory.services._after_commit), so each change
is made inside django_capture_on_commit_callbacks(execute=True), as after a real commit.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog import services as catalog_services
from catalog.models import Product
from inventory import services, tasks
from inventory.models import Stock
from inventory.tests.factories import WarehouseFactory
from orders.tests.factories import order_with_lines

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


def _listed(api_client, in_stock: bool) -> set[str]:
    response = api_client.get(LIST, {"in_stock": "true" if in_stock else "false"})
    assert response.status_code == 200
    return {item["slug"] for item in response.json()["results"]}


def assert_in_stock(api_client, variant, expected: bool) -> None:
    """The stored flag, the list item and both list filters say the same thing."""
    product = Product.objects.get(pk=variant.product_id)
    assert product.in_stock is expected
    assert (product.slug in _listed(api_client, True)) is expected
    assert (product.slug in _listed(api_client, False)) is not expected
    [item] = [i for i in api_client.get(LIST).json()["results"] if i["slug"] == product.slug]
    assert item["in_stock"] is expected


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run a stock change and its on-commit work (the refresh), as a committed request would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def test_receive_then_allocate_and_release_the_last_unit(api_client, act, variant, warehouse):
    assert_in_stock(api_client, variant, False)
    act(services.stock_receive, variant, warehouse=warehouse, quantity=2)
    assert_in_stock(api_client, variant, True)

    _first, lines = order_with_lines([(variant, 1)])
    act(services.stock_allocate, lines)
    assert_in_stock(api_client, variant, True)  # one unit left
    last, last_lines = order_with_lines([(variant, 1)])
    act(services.stock_allocate, last_lines)
    assert_in_stock(api_client, variant, False)

    act(services.stock_release, last)
    assert_in_stock(api_client, variant, True)


def test_ship_of_the_last_unit_leaves_it_out_of_stock(api_client, act, variant, warehouse):
    act(services.stock_receive, variant, warehouse=warehouse, quantity=1)
    order, lines = order_with_lines([(variant, 1)])
    act(services.stock_allocate, lines)
    act(services.stock_ship, order)
    assert Stock.objects.get(variant=variant).quantity == 0
    assert_in_stock(api_client, variant, False)
    act(services.stock_receive, variant, warehouse=warehouse, quantity=3)
    assert_in_stock(api_client, variant, True)


def test_adjust_to_zero(api_client, act, stocked, variant, warehouse):
    assert_in_stock(api_client, variant, True)
    act(services.stock_adjust, variant, warehouse=warehouse, delta=-10, reason="damage")
    assert_in_stock(api_client, variant, False)


def test_opening_stock(api_client, act, variant, warehouse):
    act(services.stock_receive_opening, warehouse, quantities={variant.pk: 4})
    assert_in_stock(api_client, variant, True)


def test_variant_deactivated_and_reactivated(api_client, act, stocked, variant):
    other = catalog_services.variant_create(variant.product, sku="OTHER-1", price="5.00")
    act(catalog_services.variant_update, variant, is_active=False)
    # The product is still listed (the other variant has a price) but has nothing to sell.
    assert_in_stock(api_client, variant, False)
    act(catalog_services.variant_update, variant, is_active=True)
    assert_in_stock(api_client, variant, True)
    act(catalog_services.variant_delete, variant)  # referenced by stock: deactivated
    assert_in_stock(api_client, other, False)


def test_warehouse_deactivated_through_the_api(
    api_client, staff_client, act, stocked, variant, warehouse
):
    url = f"/api/v1/warehouses/{warehouse.pk}/"
    response = act(staff_client.patch, url, {"is_active": False}, format="json")
    assert response.status_code == 200, response.content
    assert_in_stock(api_client, variant, False)

    # Stock elsewhere still counts.
    act(services.stock_receive, variant, warehouse=WarehouseFactory(code="backup"), quantity=1)
    assert_in_stock(api_client, variant, True)
    act(
        services.stock_adjust,
        variant,
        warehouse=Stock.objects.get(quantity=1).warehouse,
        delta=-1,
        reason="damage",
    )
    assert_in_stock(api_client, variant, False)

    response = act(staff_client.patch, url, {"is_active": True}, format="json")
    assert response.status_code == 200
    assert_in_stock(api_client, variant, True)


def test_warehouse_deactivated_in_the_admin(api_client, act, stocked, variant, warehouse, staff):
    from django.test import Client

    client = Client()
    client.force_login(staff)
    data = {
        "code": warehouse.code,
        "name": warehouse.name,
        "address": "",
        "priority": warehouse.priority,
    }  # is_active unticked
    url = f"/admin/inventory/warehouse/{warehouse.pk}/change/"
    response = act(client.post, url, data)
    assert response.status_code == 302, response.content
    assert_in_stock(api_client, variant, False)


def test_refresh_writes_only_rows_that_change(
    act, stocked, variant, django_assert_num_queries, django_capture_on_commit_callbacks
):
    assert Product.objects.get(pk=variant.product_id).in_stock is True
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(1):
        assert catalog_services.products_refresh_in_stock([variant.product_id]) == 0
    assert callbacks == []  # nothing changed: no cache to forget
    Product.objects.filter(pk=variant.product_id).update(in_stock=False)
    with django_capture_on_commit_callbacks() as callbacks:
        assert catalog_services.products_refresh_in_stock([variant.product_id]) == 1
    assert len(callbacks) == 1
    assert catalog_services.products_refresh_in_stock([]) == 0


def test_periodic_reconciliation_fixes_a_corrupted_flag(api_client, stocked, variant):
    out_of_stock = catalog_services.product_create(
        name="Empty", category=variant.product.category, variants=[{"sku": "E-1", "price": 1}]
    )
    # Writes that bypass the services, as a buggy script would.
    Product.objects.filter(pk=variant.product_id).update(in_stock=False)
    Product.objects.filter(pk=out_of_stock.pk).update(in_stock=True)

    assert tasks.low_stock_check()["in_stock_fixed"] == 2
    assert_in_stock(api_client, variant, True)
    assert Product.objects.get(pk=out_of_stock.pk).in_stock is False
    assert tasks.low_stock_check()["in_stock_fixed"] == 0


def test_inventory_check_reports_and_fixes_the_flag(stocked, variant):
    product = variant.product
    Product.objects.filter(pk=product.pk).update(in_stock=False)

    out = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("inventory_check", stdout=out)
    assert f"in_stock drift: product {product.pk} ({product.slug}): stored False" in out.getvalue()
    assert Product.objects.get(pk=product.pk).in_stock is False  # reported, not changed

    out = StringIO()
    call_command("inventory_check", "--fix", stdout=out)
    assert f"fixed in_stock drift: product {product.pk}" in out.getvalue()
    assert Product.objects.get(pk=product.pk).in_stock is True

    out = StringIO()
    call_command("inventory_check", stdout=out)
    assert "OK" in out.getvalue()

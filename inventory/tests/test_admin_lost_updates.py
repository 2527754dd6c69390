"""Editing a stock row's threshold in the admin never undoes what a service committed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from core.testing.admin_race import change_form_data, race_admin_save
from inventory import services
from inventory.models import Stock
from inventory.tests.helpers import assert_invariants
from orders.tests.factories import OrderFactory, OrderLineFactory


def change_url(stock):
    return f"/admin/inventory/stock/{stock.pk}/change/"


def allocate(variant, quantity):
    """What checkout does: an order line and its allocation in one transaction."""
    with transaction.atomic():
        order = OrderFactory(user=UserFactory())
        line = OrderLineFactory(order=order, variant=variant, quantity=quantity)
        services.stock_allocate([line])


def assert_consistent(stock):
    ledger = stock.movements.aggregate(total=Sum("delta"))["total"]
    assert ledger == stock.quantity
    assert_invariants()
    call_command("inventory_check", stdout=StringIO())  # raises CommandError on any drift


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_threshold_edit_racing_an_allocation_keeps_it(admin_client, stocked):
    data = change_form_data(admin_client, change_url(stocked), low_stock_threshold="3")

    response, _ = race_admin_save(
        lambda: admin_client.post(change_url(stocked), data),
        lambda: allocate(stocked.variant, 4),
        "inventory_stock",
    )

    assert response.status_code == 302
    stock = Stock.objects.get(pk=stocked.pk)
    assert (stock.quantity, stock.quantity_allocated) == (10, 4)
    assert stock.low_stock_threshold == 3
    assert_consistent(stock)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_threshold_edit_racing_an_adjustment_keeps_the_ledger(admin_client, stocked):
    data = change_form_data(admin_client, change_url(stocked), low_stock_threshold="3")

    response, _ = race_admin_save(
        lambda: admin_client.post(change_url(stocked), data),
        lambda: services.stock_adjust(
            stocked.variant, warehouse=stocked.warehouse, delta=7, reason="purchase"
        ),
        "inventory_stock",
    )

    assert response.status_code == 302
    stock = Stock.objects.get(pk=stocked.pk)
    assert stock.quantity == 17
    assert stock.low_stock_threshold == 3
    assert_consistent(stock)


@pytest.mark.django_db
def test_threshold_edit_writes_only_the_threshold(admin_client, stocked):
    data = change_form_data(admin_client, change_url(stocked), low_stock_threshold="3")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(change_url(stocked), data)

    assert response.status_code == 302
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "inventory_stock"')]
    assert len(updates) == 1
    set_list = updates[0].split(" SET ")[1].split(" WHERE ")[0]
    assert '"low_stock_threshold"' in set_list
    assert '"quantity"' not in set_list and '"quantity_allocated"' not in set_list
    stock = Stock.objects.get(pk=stocked.pk)
    assert (stock.quantity, stock.quantity_allocated, stock.low_stock_threshold) == (10, 0, 3)


@pytest.mark.django_db
def test_warehouse_rename_writes_only_the_name(admin_client, warehouse):
    url = f"/admin/inventory/warehouse/{warehouse.pk}/change/"
    data = change_form_data(admin_client, url, name="Main hall")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(url, data)

    assert response.status_code == 302
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "inventory_warehouse"')]
    assert len(updates) == 1
    assert updates[0].split(" SET ")[1].split(" WHERE ")[0].startswith('"name" = ')
    assert '"is_active"' not in updates[0] and '"priority"' not in updates[0]
    warehouse.refresh_from_db()
    assert (warehouse.name, warehouse.is_active) == ("Main hall", True)

"""The project's lock order (docs/architecture.md) ends with product rows, several of them in pk
order. A bulk flag change must take them in that order too, or it deadlocks against a shipment
(order_ship bumps sales counts product by product in pk order) that holds one of them."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import F

from catalog import services
from catalog.models import Product
from catalog.tests.factories import ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_bulk_flags_wait_for_a_shipment_instead_of_deadlocking():
    first, second = ProductFactory(), ProductFactory()
    assert first.pk < second.pk
    # Rewrite the lower pk's row so it sits after the other one in the table: a sequential scan
    # (what the planner picks for a small table or a long id list) then meets `second` first.
    Product.objects.filter(pk=first.pk).update(sales_count=F("sales_count"))
    shipment_holds_first = threading.Event()
    errors: list[BaseException] = []

    def shipment():
        # What order_ship does with the products of its lines: one UPDATE each, in pk order.
        try:
            with transaction.atomic():
                Product.objects.filter(pk=first.pk).update(sales_count=F("sales_count") + 1)
                shipment_holds_first.set()
                time.sleep(0.5)  # the flag change starts meanwhile
                Product.objects.filter(pk=second.pk).update(sales_count=F("sales_count") + 1)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def flags():
        try:
            assert shipment_holds_first.wait(10)
            with connection.cursor() as cursor:
                cursor.execute("SET enable_indexscan = off")
                cursor.execute("SET enable_bitmapscan = off")
            services.products_set_flags([second.pk, first.pk], is_featured=True)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=shipment), threading.Thread(target=flags)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)

    assert errors == []  # PostgreSQL aborts one side of a deadlock with an error
    rows = Product.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")
    assert [(p.sales_count, p.is_featured) for p in rows] == [(1, True), (1, True)]

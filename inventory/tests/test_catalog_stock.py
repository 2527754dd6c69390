"""Catalog's reads of stock, tested from inventory: they need stock rows, and inventory's tests may
build catalog's products while catalog's may not build stock (docs/architecture.md). Moved here
from catalog/tests (test_admin, test_api_products, test_cache) unchanged."""

import pytest
from django.test import Client

from catalog import services
from catalog.tests.conftest import give_stock

pytestmark = pytest.mark.django_db

URL = "/api/v1/products/"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_variant_admin_shows_stock_per_warehouse_read_only(merchant, make_product):
    from inventory.models import Stock

    product = make_product("Stocked kettle", stock=7)
    variant = product.variants.get()
    client = logged_in(merchant)

    page = client.get(f"/admin/catalog/productvariant/{variant.pk}/change/")
    assert page.status_code == 200
    # The stock inline lists the warehouse row; its numbers are not form fields.
    assert b"stocks-0-quantity" not in page.content
    assert page.context["inline_admin_formsets"][0].formset.queryset.get().quantity == 7

    changelist = client.get("/admin/catalog/productvariant/", {"q": variant.sku})
    assert changelist.status_code == 200
    row = changelist.context["cl"].result_list.get()
    assert (row.on_hand, row.available_units) == (7, 7)

    product_page = client.get(f"/admin/catalog/product/{product.pk}/change/")
    inline_variant = product_page.context["inline_admin_formsets"][0].formset.queryset.get()
    assert inline_variant.available_units == 7
    assert Stock.objects.get(variant=variant).quantity == 7


def test_in_stock_counts_available_units_only(api_client, make_product):
    """Fully allocated stock or stock in an inactive warehouse is not stock a shopper can buy."""
    from inventory.models import Stock, Warehouse

    p = make_product("Gadget", "5.00", slug="gadget", stock=2)
    # Writes that bypass inventory.services; the reconciliation brings the flag along.
    Stock.objects.filter(variant__product=p).update(quantity_allocated=2)
    assert services.products_refresh_in_stock() == 1
    assert api_client.get(URL).json()["results"][0]["in_stock"] is False
    closed = Warehouse.objects.create(code="closed", name="Closed", is_active=False)
    Stock.objects.create(variant=p.variants.get(), warehouse=closed, quantity=9)
    assert services.products_refresh_in_stock() == 0
    assert api_client.get(URL, {"page_size": 5}).json()["results"][0]["in_stock"] is False
    give_stock(p.variants.get(), 1)
    assert api_client.get(URL, {"page_size": 6}).json()["results"][0]["in_stock"] is True


def _detail(client, slug):
    data = client.get(f"/api/v1/products/{slug}/").json()
    return data["in_stock"], {v["sku"]: v["in_stock"] for v in data["variants"]}


def test_reconciliation_forgets_the_details_it_changes(
    api_client, make_product, django_capture_on_commit_callbacks
):
    from catalog.services import products_refresh_in_stock
    from inventory.models import Stock

    product = make_product("Drifting", slug="drifting", sku="DR-1", stock=2)
    assert _detail(api_client, "drifting") == (True, {"DR-1": True})  # cached now
    # A write that bypassed the services: only the reconciliation can notice it.
    Stock.objects.filter(variant__product=product).update(quantity=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert products_refresh_in_stock() == 1
    assert _detail(api_client, "drifting") == (False, {"DR-1": False})
    assert api_client.get("/api/v1/products/").json()["results"][0]["in_stock"] is False


def test_warehouse_toggle_forgets_details_of_its_stock(
    api_client, make_product, django_capture_on_commit_callbacks
):
    from catalog import services
    from catalog.tests.conftest import warehouse
    from inventory.models import Warehouse
    from inventory.services import stock_receive, warehouse_save

    product = make_product("Split", slug="split", sku="SP-1", stock=1)  # in warehouse "main"
    other = services.variant_create(product, sku="SP-2", name="Other", price="10.00")
    north = Warehouse.objects.create(code="north", name="North")
    with django_capture_on_commit_callbacks(execute=True):
        stock_receive(other, warehouse=north, quantity=1)
    assert _detail(api_client, "split") == (True, {"SP-1": True, "SP-2": True})

    # The product stays in stock (SP-1 in main), so its flag does not change, but SP-2 does.
    north.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        warehouse_save(north)
    assert _detail(api_client, "split") == (True, {"SP-1": True, "SP-2": False})

    main = warehouse()
    main.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        warehouse_save(main)
    assert _detail(api_client, "split") == (False, {"SP-1": False, "SP-2": False})

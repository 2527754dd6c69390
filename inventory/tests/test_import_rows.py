"""Stock import: one file naming the same stock row twice is refused, nothing written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from inventory.models import Stock, StockMovement

pytestmark = pytest.mark.django_db


def test_the_same_sku_and_warehouse_twice_is_reported(staff, stocked, variant, warehouse):
    before = (Stock.objects.get(variant=variant).quantity, StockMovement.objects.count())
    text = (
        "sku,warehouse,quantity\n"
        f"{variant.sku},{warehouse.code},25\n"
        f"{variant.sku},{warehouse.code},3\n"
    )
    client = Client()
    client.force_login(staff)
    upload = SimpleUploadedFile("stock.csv", text.encode(), content_type="text/csv")
    response = client.post(
        "/admin/inventory/stock/import/", {"format": "0", "import_file": upload, "resource": "0"}
    )
    assert response.status_code == 200
    assert [row.number for row in response.context["result"].invalid_rows] == [2]
    assert "already in row 1" in response.content.decode()
    assert (Stock.objects.get(variant=variant).quantity, StockMovement.objects.count()) == before

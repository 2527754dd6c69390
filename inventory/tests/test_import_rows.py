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


@pytest.mark.parametrize(
    "changelist",
    [
        "/admin/inventory/stockmovement/",
        "/admin/inventory/stock/",
        "/admin/catalog/productvariant/",
    ],
)
@pytest.mark.parametrize("query", ["bogus=1", "created_at__gte=notadate", "id__exact=abc"])
def test_export_with_a_bad_filter_is_not_a_500(staff, changelist, query):
    """The export page keeps the changelist's filters; one the list refuses (?e=1) is refused the
    same way by the export (GET the form, POST the file), never a 500."""
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    for response in (
        client.get(f"{changelist}export/?{query}"),
        client.post(f"{changelist}export/?{query}", {"format": "0", "resource": "0"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == f"{changelist}?e=1"

"""Catalogue import: rows an outsider's file may hold are reported as bad rows, in words."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog.models import Product, ProductVariant
from catalog.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/admin/catalog/productvariant/import/"
HEAD = "sku,product_slug,product_name,category,price\n"


def preview(user, text):
    client = Client()
    client.force_login(user)
    upload = SimpleUploadedFile("import.csv", text.encode("utf-8"), content_type="text/csv")
    response = client.post(URL, {"format": "0", "import_file": upload, "resource": "0"})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("price", ["1e400", "-1e400", "1E+30", "9" * 40 + ".5"])
def test_a_huge_price_is_a_bad_row_with_a_message(staff, price):
    CategoryFactory(slug="kettles")
    response = preview(staff, f"{HEAD}K-1,kettle,Kettle,kettles,{price}\n")
    result = response.context["result"]
    assert not result.has_errors()  # no exception caught as a "row error" (a traceback)
    assert [row.number for row in result.invalid_rows] == [1]
    assert "Not a price" in response.content.decode() or "at most" in response.content.decode()
    assert not ProductVariant.objects.exists()


def test_the_same_sku_twice_in_one_file_is_reported(staff):
    """Two rows for one SKU: the second would silently overwrite the first (a new price the
    merchant never sees in the preview); both rows name the same variant, so the file is refused."""
    CategoryFactory(slug="kettles")
    response = preview(
        staff,
        f"{HEAD}K-1,kettle,Kettle,kettles,10.00\nK-2,kettle,Kettle,kettles,12.00\n"
        "K-1,kettle,Kettle,kettles,99.00\n",
    )
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [3]
    assert "K-1" in response.content.decode() and "row 1" in response.content.decode()
    assert response.context.get("confirm_form") is None
    assert not Product.objects.exists() and not ProductVariant.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(staff, settings):
    """A 20 MB upload would be parsed and dry-run row by row inside one request (hours at tens of
    milliseconds a row): refused at once, with the limit in words."""
    from core.admin import IMPORT_MAX_BYTES

    body = HEAD + "K-1,kettle,Kettle,kettles,10.00\n" * (IMPORT_MAX_BYTES // 30 + 10)
    assert len(body) > IMPORT_MAX_BYTES
    response = preview(staff, body)
    assert response.context.get("result") is None
    assert "too large" in response.content.decode()
    assert not ProductVariant.objects.exists()


def test_a_file_over_the_row_limit_is_refused_whole(staff, monkeypatch):
    from core import spreadsheets

    monkeypatch.setattr(spreadsheets, "IMPORT_MAX_ROWS", 3)
    CategoryFactory(slug="kettles")
    rows = "".join(f"K-{i},kettle,Kettle,kettles,10.00\n" for i in range(4))
    response = preview(staff, HEAD + rows)
    result = response.context["result"]
    assert result.has_errors() and not result.rows
    assert "at most 3 rows" in response.content.decode()
    assert response.context.get("confirm_form") is None
    assert not ProductVariant.objects.exists()


def test_a_zip_bomb_spreadsheet_is_refused_before_it_is_unpacked(staff):
    """An .xlsx is a zip: a small upload may unpack to gigabytes of XML that the reader would
    load whole. Refused by its unpacked size, read from the zip's directory only."""
    import io
    import zipfile

    from django.contrib import admin

    from core.admin import IMPORT_MAX_UNPACKED_BYTES

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (IMPORT_MAX_UNPACKED_BYTES + 1))
    body = buffer.getvalue()
    formats = admin.site._registry[ProductVariant].get_import_formats()
    xlsx = next(i for i, f in enumerate(formats) if f().get_title() == "xlsx")
    client = Client()
    client.force_login(staff)
    upload = SimpleUploadedFile("bomb.xlsx", body)
    response = client.post(URL, {"format": str(xlsx), "import_file": upload, "resource": "0"})
    assert response.status_code == 200
    assert response.context.get("result") is None
    assert "too large" in response.content.decode()

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import ProductImage
from catalog.tests.conftest import png_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(make_product):
    return make_product("Camera", slug="camera")


def upload(client, file, **extra):
    return client.post(
        "/api/v1/products/camera/images/", {"image": file, **extra}, format="multipart"
    )


def test_upload_makes_thumbnail_and_first_is_primary(merchant_client, api_client, product):
    response = upload(merchant_client, png_file(size=(1200, 800)), alt_text="front")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["is_primary"] is True
    assert data["thumbnail"].startswith("http://testserver/media/")
    image = ProductImage.objects.get(pk=data["id"])
    with Image.open(image.thumbnail.path) as thumb:
        assert max(thumb.size) == 400
        assert thumb.format == "JPEG"

    second = upload(merchant_client, png_file(name="side.jpg", fmt="JPEG")).json()
    assert second["is_primary"] is False
    listing = api_client.get("/api/v1/products/").json()["results"][0]
    assert listing["primary_image"] == data["thumbnail"]

    # Promote the second one; exactly one stays primary.
    response = merchant_client.patch(
        f"/api/v1/products/camera/images/{second['id']}/", {"is_primary": True}, format="json"
    )
    assert response.status_code == 200
    assert list(product.images.filter(is_primary=True).values_list("pk", flat=True)) == [
        second["id"]
    ]
    # Deleting the primary promotes the remaining image.
    response = merchant_client.delete(f"/api/v1/products/camera/images/{second['id']}/")
    assert response.status_code == 204
    assert product.images.get().is_primary


def test_non_image_is_400(merchant_client, product):
    fake = SimpleUploadedFile("evil.png", b"<?php echo 'hi'; ?>", content_type="image/png")
    response = upload(merchant_client, fake)
    assert response.status_code == 400
    assert "image" in response.json()
    assert not product.images.exists()


def test_unsupported_image_type_is_400(merchant_client, product):
    response = upload(merchant_client, png_file(name="x.bmp", fmt="BMP"))
    assert response.status_code == 400
    assert "image" in response.json()


def test_oversized_file_is_400(merchant_client, product, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000
    response = upload(merchant_client, png_file(size=(400, 400)))
    big = png_file(size=(400, 400))
    assert big.size > 1000
    assert response.status_code == 400
    assert "image" in response.json()
    assert not product.images.exists()


def test_customer_cannot_upload(user_client, product):
    assert upload(user_client, png_file()).status_code == 403


def _png_header_claiming(width, height):
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's signature)."""
    import struct
    import zlib

    data = bytearray(png_file(size=(2, 2)).read())
    # IHDR is the first chunk: 8-byte signature, length, type, then width and height.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return SimpleUploadedFile("bomb.png", bytes(data), content_type="image/png")


@pytest.mark.parametrize("size", [(20000, 20000), (9000, 9000)])
def test_decompression_bomb_is_400(merchant_client, product, size):
    # 400 Mpx: Pillow refuses to open it; 81 Mpx: under Pillow's limit, over ours.
    response = upload(merchant_client, _png_header_claiming(*size))
    assert response.status_code == 400
    assert "image" in response.json()
    assert not product.images.exists()


def test_pixel_cap_is_a_setting(merchant_client, product, settings):
    settings.IMAGE_MAX_PIXELS = 100
    response = upload(merchant_client, png_file(size=(20, 20)))
    assert response.status_code == 400
    assert "image" in response.json()
    settings.IMAGE_MAX_PIXELS = 400
    assert upload(merchant_client, png_file(size=(20, 20))).status_code == 201


@pytest.mark.parametrize("size", [(20000, 20000), (9000, 9000)])
def test_decompression_bomb_in_admin_inline_is_a_form_error(merchant, product, size):
    from django.test import Client

    client = Client()
    client.force_login(merchant)
    url = f"/admin/catalog/product/{product.pk}/change/"
    page = client.get(url)
    data = {}
    for form in [page.context["adminform"].form]:
        for field in form:
            value = field.value()
            if value not in (None, False):
                data[field.html_name] = "on" if value is True else value
    variant = product.variants.get()
    data.update(
        {
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "1",
            "variants-0-id": variant.pk,
            "variants-0-product": product.pk,
            "variants-0-sku": variant.sku,
            "variants-0-name": variant.name,
            "variants-0-price": "10.00",
            "variants-0-attributes": "{}",
            "variants-0-is_active": "on",
            "variants-0-sort_order": "0",
            "images-TOTAL_FORMS": "1",
            "images-INITIAL_FORMS": "0",
            "images-0-image": _png_header_claiming(*size),
            "images-0-sort_order": "0",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert response.context["inline_admin_formsets"][1].formset.errors[0]["image"]
    assert not product.images.exists()

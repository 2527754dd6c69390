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

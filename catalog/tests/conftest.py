"""Helpers for the catalogue's tests: products through the services, stock, images, buyers."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from catalog import services
from catalog.tests.factories import BrandFactory, CategoryFactory


def png_file(name="photo.png", size=(32, 24), colour=(200, 30, 30), fmt="PNG"):
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, fmt)
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg"}.get(fmt, "application/octet-stream")
    return SimpleUploadedFile(name, buf.getvalue(), content_type=content_type)


def warehouse():
    from inventory.models import Warehouse

    return Warehouse.objects.get_or_create(code="main", defaults={"name": "Main"})[0]


def give_stock(variant, quantity):
    """Stock through the inventory app's service, its on-commit work done (Product.in_stock is
    refreshed on commit, and a test's transaction never commits)."""
    from inventory.services import stock_receive

    with TestCase.captureOnCommitCallbacks(execute=True):
        return stock_receive(variant, warehouse=warehouse(), quantity=quantity)


@pytest.fixture
def make_product(db):
    """make_product(name, price, stock=0, **product fields): a product with one variant."""
    counter = {"n": 0}

    def make(name="Thing", price="10.00", *, stock=0, category=None, brand=None, sku=None, **kw):
        counter["n"] += 1
        product = services.product_create(
            name=name,
            category=category or CategoryFactory(),
            brand=brand if brand is not None else BrandFactory(),
            variants=[
                {
                    "sku": sku or f"T-{counter['n']:05d}-{abs(hash(name)) % 10000}",
                    "name": "Default",
                    "price": Decimal(price),
                }
            ],
            **kw,
        )
        if stock:
            give_stock(product.variants.get(), stock)
        product.refresh_from_db()
        return product

    return make


def deliver(user, product, *, status="delivered"):
    """An order of `product` by `user`, in `status` (a buyer once delivered)."""
    from orders.models import Order, OrderLine

    variant = product.variants.first()
    order = Order.objects.create(
        number=f"T{Order.objects.count() + 1:09d}{user.pk}",
        user=user,
        status=status,
        payment_status="paid",
        payment_method="sandbox",
        subtotal=variant.price,
        total=variant.price,
        shipping_address={"full_name": "张三"},
    )
    OrderLine.objects.create(
        order=order,
        variant=variant,
        product=product,
        product_name=product.name,
        sku=variant.sku,
        unit_price=variant.price,
        quantity=1,
        line_total=variant.price,
    )
    return order


@pytest.fixture
def bearer_client():
    from rest_framework.test import APIClient

    from conftest import bearer

    def make(user):
        client = APIClient()
        client.credentials(**bearer(user))
        return client

    return make

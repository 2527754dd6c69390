"""Fixtures of the after-sales tests: orders placed, paid through the sandbox gateway (the
gateway stand-in: its refunds really move money on a SandboxTrade), shipped and delivered."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orders import services as order_services
from orders.tests.conftest import (  # noqa: F401  (fixtures)
    _shop_settings,
    fill_cart,
    make_coupon,
    make_variant,
    place,
    tax,
    variant,
    warehouse,
)
from payments.tests.conftest import _payment_settings, press, start_payment  # noqa: F401


@pytest.fixture(autouse=True)
def _aftersales_settings(settings):
    settings.AFTER_SALES_DAYS = 7
    settings.AFTER_SALES_AUTO_DAYS = 3


def pay(order):
    """Pay `order` through the sandbox page, as its owner would."""
    payment = start_payment(order.user, order)
    press(payment)
    order.refresh_from_db()
    assert order.payment_status == "paid", order.payment_status
    return order


def deliver(order, staff=None):
    order = order_services.order_ship(order, carrier="SF", tracking_number="SF1", actor=staff)
    return order_services.order_deliver(order, actor=order.user)


@pytest.fixture
def paid_order(user, make_variant, place):  # noqa: F811  (the imported fixtures)
    """place_paid(*(price, qty), delivered=True, **order_place kwargs) -> a paid order."""

    def make(*lines, delivered=True, owner=None, **kwargs):
        owner = owner or user
        variants = [(make_variant(price=price, stock=20), qty) for price, qty in lines]
        order = pay(place(owner, *variants, **kwargs))
        if delivered:
            order = deliver(order)
        order.refresh_from_db()
        return order

    return make


def image_upload(name="photo.png", fmt="PNG", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def lines_of(order, *quantities):
    """[{order_line_id, quantity}] for the order's lines in id order (None skips a line)."""
    return [
        {"order_line_id": line.pk, "quantity": qty}
        for line, qty in zip(order.lines.order_by("pk"), quantities, strict=False)
        if qty
    ]

"""Shared fixtures of the orders tests: stocked variants, carts, coupons and placed orders."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.tests.conftest import bearer_client, make_product  # noqa: F401 (fixtures of test_reviews)
from catalog.tests.factories import VariantFactory
from inventory.queries import default_warehouse
from inventory.services import stock_receive
from orders import services
from orders.tests.helpers import ADDRESS
from promotions.models import CouponTemplate
from promotions.services import coupon_claim


@pytest.fixture(autouse=True)
def _shop_settings(settings):
    """Known money settings, whatever the environment says."""
    settings.TAX_RATE = Decimal("0")
    settings.SHIPPING_FLAT_FEE = Decimal("10.00")
    settings.SHIPPING_FREE_THRESHOLD = Decimal("99.00")
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox"]
    settings.CART_MAX_LINE_QUANTITY = 99
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 30
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def tax(settings):
    settings.TAX_RATE = Decimal("0.06")
    return settings.TAX_RATE


@pytest.fixture
def warehouse(db):
    return default_warehouse()


@pytest.fixture
def make_variant(warehouse):
    """make_variant(price="33.33", stock=10, **factory_kwargs) -> a variant with stock received."""

    def make(price="100.00", stock=10, **kwargs):
        variant = VariantFactory(price=Decimal(price), **kwargs)
        if stock:
            stock_receive(variant, warehouse=warehouse, quantity=stock)
        return variant

    return make


@pytest.fixture
def variant(make_variant):
    return make_variant(price="50.00", stock=10)


@pytest.fixture
def fill_cart():
    """fill_cart(user, (variant, qty), ...) -> the user's cart with those lines."""

    def fill(user, *lines):
        cart = services.cart_get_or_create(user=user)
        for variant, quantity in lines:
            services.cart_item_add(cart, variant_id=variant.pk, quantity=quantity)
        return cart

    return fill


@pytest.fixture
def place(fill_cart):
    """place(user, (variant, qty), ..., **order_place kwargs) -> a placed order."""

    def do(user, *lines, **kwargs):
        cart = fill_cart(user, *lines)
        kwargs.setdefault("payment_method", "sandbox")
        if "address_id" not in kwargs:
            kwargs.setdefault("shipping_address", dict(ADDRESS))
        return services.order_place(user, cart=cart, **kwargs)

    return do


@pytest.fixture
def make_coupon(db):
    """make_coupon(user, kind="percent", value="10", **template fields) -> the claimed UserCoupon."""

    def make(user, *, kind="percent", value="10", **kwargs):
        now = timezone.now()
        fields = {
            "name": "Test coupon",
            "code": kwargs.pop("code", f"TEST{CouponTemplate.objects.count() + 1}"),
            "kind": kind,
            "value": Decimal(value),
            "valid_from": now - timedelta(days=1),
            "valid_to": now + timedelta(days=30),
            "total_quantity": 100,
            **kwargs,
        }
        template = CouponTemplate.objects.create(**fields)
        return coupon_claim(user, template=template)

    return make


@pytest.fixture
def gateway_refund(monkeypatch):
    """Stand in for the payments app's gateway refund (orders' tests do not import payments): the
    gateway settles at once, so the refund is recorded with order_refund. Returns the calls."""
    from orders.services import transitions

    calls = []

    def refund(order, *, amount, reason="", actor=None):
        calls.append((order.number, amount, reason, actor))
        return services.order_refund(order, amount=amount, reason=reason, actor=actor)

    monkeypatch.setattr(transitions, "_refund_through_gateway", [refund])
    return calls


@pytest.fixture
def no_gateway_refund(monkeypatch):
    from orders.services import transitions

    monkeypatch.setattr(transitions, "_refund_through_gateway", [])

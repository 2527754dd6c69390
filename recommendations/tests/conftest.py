from decimal import Decimal

import pytest
from django.test import TestCase

from catalog.models import Product
from catalog.tests.factories import CategoryFactory, VariantFactory


@pytest.fixture
def shown(db):
    """shown(category=None, *, in_stock=True, price="100.00"): a product shoppers see."""

    def make(category=None, *, in_stock=True, price="100.00", name=None):
        kwargs = {"product__category": category or CategoryFactory()}
        if name:
            kwargs["product__name"] = name
        variant = VariantFactory(price=Decimal(price), **kwargs)
        # Product.in_stock is catalog's stored column (inventory keeps it); serving reads only it.
        Product.objects.filter(pk=variant.product_id).update(in_stock=in_stock)
        return Product.objects.get(pk=variant.product_id)

    return make


@pytest.fixture
def on_commit():
    """Run the on-commit work of the block (a test's transaction never commits)."""
    return lambda: TestCase.captureOnCommitCallbacks(execute=True)

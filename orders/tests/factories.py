"""Order rows for tests, written directly (no checkout): the one place order factories live.

Tests that need a real checkout go through `orders.services` (see conftest's `place`); these are
for tests of other apps that only need an order to point at (allocations, coupons, admin pages).
"""

from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from catalog.tests.factories import VariantFactory
from orders.models import Order, OrderLine


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    """A bare pending order; its amounts are not the sum of any lines."""

    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"T{n:010d}")
    user = factory.SubFactory(UserFactory)
    payment_method = "sandbox"
    subtotal = Decimal("100.00")
    total = Decimal("100.00")
    shipping_address = factory.LazyFunction(dict)


class OrderLineFactory(factory.django.DjangoModelFactory[OrderLine]):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    variant = factory.SubFactory(VariantFactory)
    product = factory.LazyAttribute(lambda o: o.variant.product)
    product_name = factory.LazyAttribute(lambda o: o.variant.product.name)
    sku = factory.LazyAttribute(lambda o: o.variant.sku)
    unit_price = factory.LazyAttribute(lambda o: o.variant.price)
    quantity = 1
    line_total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


def order_with_lines(lines, user=None) -> tuple[Order, list[OrderLine]]:
    """An order with one line per (variant, quantity), in the given order."""
    # .create(), not OrderFactory(): the same row, typed as the model (factory_boy's call is untyped)
    order = OrderFactory.create(user=user) if user is not None else OrderFactory.create()
    made = [
        OrderLineFactory.create(order=order, variant=variant, quantity=qty)
        for variant, qty in lines
    ]
    return order, made

from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from catalog.tests.factories import VariantFactory
from inventory.models import Warehouse
from orders.models import Order, OrderLine


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"wh-{n}")
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    priority = 100


class OrderFactory(factory.django.DjangoModelFactory):
    """A bare order row; inventory tests need only its number and lines."""

    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"T{n:010d}")
    user = factory.SubFactory(UserFactory)
    payment_method = "sandbox"
    subtotal = Decimal("0.00")
    total = Decimal("0.00")
    shipping_address = factory.LazyFunction(dict)


class OrderLineFactory(factory.django.DjangoModelFactory):
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
    order = OrderFactory(user=user) if user is not None else OrderFactory()
    made = [OrderLineFactory(order=order, variant=variant, quantity=qty) for variant, qty in lines]
    return order, made

"""Helpers for the orders tests (fixtures are in conftest.py)."""

from inventory.models import Stock
from inventory.queries import default_warehouse
from orders import services
from orders.models import Order

ADDRESS = {
    "full_name": "李四",
    "phone": "13912345678",
    "province": "上海市",
    "city": "上海市",
    "district": "浦东新区",
    "street": "世纪大道 1 号",
    "postal_code": "200120",
}


def stock_of(variant) -> Stock:
    return Stock.objects.get(variant=variant, warehouse=default_warehouse())


def at_status(order: Order, status: str, *, actor=None) -> Order:
    """Walk a freshly placed order along the legal path to `status`, through the services."""
    paths = {
        "pending": [],
        "processing": ["paid"],
        "shipped": ["paid", "ship"],
        "delivered": ["paid", "ship", "deliver"],
        "cancelled": ["cancel"],
        "refunded": ["paid", "refund"],
    }
    for step in paths[status]:
        if step == "paid":
            order = services.order_mark_paid(order, gateway="sandbox", transaction_id="T1")
        elif step == "ship":
            order = services.order_ship(order, carrier="SF", tracking_number="SF1", actor=actor)
        elif step == "deliver":
            order = services.order_deliver(order, actor=actor)
        elif step == "cancel":
            order = services.order_cancel(order, actor=actor)
        elif step == "refund":
            order = services.order_refund(order, amount=order.total, actor=actor)
    order.refresh_from_db()
    assert order.status == status
    return order

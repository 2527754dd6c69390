"""What a refused request must leave as it was: a dump of the rows that hold money, stock, orders,
coupons, carts and accounts, to compare before and after (`assert db_state() == before`)."""

from typing import Any

from django.apps import apps

MODELS = (
    "inventory.Warehouse",
    "inventory.Stock",
    "inventory.StockMovement",
    "inventory.Allocation",
    "orders.Cart",
    "orders.CartItem",
    "orders.Order",
    "orders.OrderLine",
    "orders.OrderEvent",
    "orders.Shipment",
    "promotions.CouponTemplate",
    "promotions.UserCoupon",
    "accounts.User",
    "accounts.Address",
)


def db_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of those tables, in pk order, all fields."""
    return {label: list(apps.get_model(label).objects.order_by("pk").values()) for label in MODELS}

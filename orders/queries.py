"""Reads of carts and orders, with their related rows fetched up front (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.permissions import is_staff_user
from catalog.models import ProductImage
from catalog.queries import category_hidden_ids, variant_sellable
from core.money import MONEY_MAX, ZERO, money
from inventory.queries import variant_availability
from orders.models import Cart, CartItem, Order, OrderEvent, OrderLine

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from catalog.models import Product

PAID_STATUSES = (
    Order.PaymentStatus.PAID,
    Order.PaymentStatus.PARTIALLY_REFUNDED,
    Order.PaymentStatus.REFUNDED,
)


# --- Cart ---------------------------------------------------------------------------------------------


@dataclass
class CartLineView:
    item: CartItem
    unit_price: Decimal
    line_total: Decimal
    image: str | None
    available_quantity: int
    problem: str | None

    @property
    def available(self) -> bool:
        return self.problem is None


@dataclass
class CartView:
    """A cart as the shopper sees it: current prices, and each line's problem if it has one."""

    token: str | None
    lines: list[CartLineView] = field(default_factory=list)

    @property
    def total_items(self) -> int:
        return sum(line.item.quantity for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return money(sum((line.line_total for line in self.lines), ZERO))

    @property
    def problem(self) -> str | None:
        """`amount_too_large` when the cart adds up to more than one order can hold (stored lines
        may, after a price rise): the cart still shows, checkout refuses it."""
        if self.subtotal > MONEY_MAX or any(
            line.problem == "amount_too_large" for line in self.lines
        ):
            return "amount_too_large"
        return None


def _image_url(product: Product) -> str | None:
    images = list(product.images.all())
    if not images:
        return None
    image = images[0]
    chosen = image.thumbnail or image.image
    return chosen.url if chosen else None


def cart_existing(*, user: User | AnonymousUser | None, token: object = None) -> Cart | None:
    """The cart a request reads, without creating one (reads must not create rows): a signed-in
    user's cart, or the guest cart of `token` (never a user's cart, whatever the token)."""
    from orders.services import cart_token_parse

    if user is not None and user.is_authenticated:
        return Cart.objects.filter(user=user).first()
    parsed = cart_token_parse(token)
    if parsed is None:
        return None
    return Cart.objects.filter(token=parsed, user__isnull=True).first()


def cart_view(cart: Cart | None) -> CartView:
    """The cart with current prices and availability: five queries whatever its size."""
    if cart is None:
        return CartView(token=None)
    items = list(
        CartItem.objects.filter(cart=cart)
        .select_related("variant__product")
        .prefetch_related(
            Prefetch(
                "variant__product__images",
                queryset=ProductImage.objects.order_by("-is_primary", "sort_order", "id"),
            )
        )
    )
    availability = variant_availability([item.variant_id for item in items])
    hidden = category_hidden_ids() if items else set()
    lines = []
    for item in items:
        variant = item.variant
        available = availability.get(variant.pk, 0)
        line_total = money(variant.price * item.quantity)
        if not variant_sellable(variant, hidden):
            problem = "inactive"
        elif item.quantity > available:
            problem = "insufficient_stock"
        elif line_total > MONEY_MAX:
            problem = "amount_too_large"
        else:
            problem = None
        lines.append(
            CartLineView(
                item=item,
                unit_price=variant.price,
                line_total=line_total,
                image=_image_url(variant.product),
                available_quantity=available,
                problem=problem,
            )
        )
    return CartView(token=str(cart.token), lines=lines)


# --- Orders -------------------------------------------------------------------------------------------


def order_list(user: User) -> QuerySet[Order]:
    """Orders a user may see (their own; staff: all) with lines and shipments prefetched."""
    qs = Order.objects.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")), "shipments"
    )
    if is_staff_user(user):
        return qs
    return qs.filter(user=user)


def order_is_payable(order: Order) -> bool:
    """Whether the buyer can start paying now (pages offer "pay" only then); payment_create
    checks the same under the order's lock."""
    expired = order.expires_at is not None and order.expires_at <= timezone.now()
    return (
        order.status == Order.Status.PENDING
        and order.payment_status == Order.PaymentStatus.PENDING
        and not expired
        and order.total > 0
    )


def order_events(order: Order) -> QuerySet[OrderEvent]:
    return order.events.select_related("actor").order_by("created_at", "id")


def _revenue_expr() -> ExpressionWrapper[CombinedExpression]:
    return ExpressionWrapper(
        F("total") - F("refunded_amount"),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )


def order_statistics(
    user: User, *, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """Counts and revenue by database aggregation, days in the shop's time zone.

    Revenue counts money the shop keeps: total minus refunds, over orders that were paid and are
    not cancelled. A paid order that was cancelled owes all its money back, so it counts nothing
    even before its refund settles. `total_orders` counts every status; the average order value
    is revenue over the number of orders counted in revenue.
    """
    qs = Order.objects.all() if is_staff_user(user) else Order.objects.filter(user=user)
    tz = ZoneInfo(settings.TIME_ZONE)
    qs = qs.annotate(day=TruncDate("created_at", tzinfo=tz))
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    kept = Q(payment_status__in=PAID_STATUSES) & ~Q(status=Order.Status.CANCELLED)
    revenue = Coalesce(
        Sum(_revenue_expr(), filter=kept),
        Value(ZERO),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )
    totals = qs.aggregate(
        total_orders=Count("pk"), revenue_orders=Count("pk", filter=kept), revenue=revenue
    )
    by_status = dict.fromkeys(Order.Status.values, 0)
    by_status.update(
        {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("pk")).order_by()}
    )
    daily = [
        {"date": row["day"], "orders": row["orders"], "revenue": money(row["revenue"])}
        for row in qs.values("day").annotate(orders=Count("pk"), revenue=revenue).order_by("day")
    ]
    total_revenue = money(totals["revenue"])
    revenue_orders = totals["revenue_orders"]
    # Half-up like every other amount; a bare quantize() would round half to even (0.005 -> 0.00).
    average = money(total_revenue / revenue_orders) if revenue_orders else ZERO
    return {
        "total_orders": totals["total_orders"],
        "total_revenue": total_revenue,
        "average_order_value": average,
        "by_status": by_status,
        "daily": daily,
    }


def user_has_bought(user: User, *, product: Product) -> bool:
    """A buyer is a user with a delivered order containing the product. The rule catalog's
    review_create asks (registered in orders.apps): the orders live here, catalog cannot see them."""
    return OrderLine.objects.filter(
        order__user=user, order__status=Order.Status.DELIVERED, product=product
    ).exists()

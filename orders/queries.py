"""Reads of carts and orders, with their related rows fetched up front (no N+1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
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
from django.utils.translation import gettext_lazy as _

from accounts.permissions import is_staff_user
from catalog.models import Product, ProductImage
from catalog.queries import category_hidden_ids, variant_sellable
from core.money import MONEY_MAX, ZERO, money
from inventory.queries import variant_availability
from orders.models import Cart, CartItem, Order, OrderEvent, OrderLine

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

PAID_STATUSES = (
    Order.PaymentStatus.PAID,
    Order.PaymentStatus.PARTIALLY_REFUNDED,
    Order.PaymentStatus.REFUNDED,
)
# Orders whose goods count as sold (top products): paid, not all of it paid back.
_SOLD_STATUSES = (Order.PaymentStatus.PAID, Order.PaymentStatus.PARTIALLY_REFUNDED)


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


def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """The first instant of `start` and the first instant after `end`, days in the shop's time
    zone: a range on `created_at` that its index serves (a filter on TruncDate would read every
    row)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    since = datetime.combine(start, time.min, tzinfo=tz) if start else None
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) if end else None
    return since, until


def _created_between(qs: QuerySet[Order], start: date | None, end: date | None) -> QuerySet[Order]:
    since, until = day_bounds(start, end)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return qs


# Revenue counts money the shop keeps: over orders that were paid and are not cancelled.
_KEPT = Q(payment_status__in=PAID_STATUSES) & ~Q(status=Order.Status.CANCELLED)


def _statistics(qs: QuerySet[Order], start: date | None, end: date | None) -> dict[str, Any]:
    """One grouped query (per day and status); the totals are added up here, exactly (Decimal).
    A few hundred groups at most for a month, whatever the number of orders."""
    tz = ZoneInfo(settings.TIME_ZONE)
    revenue = Coalesce(
        Sum(_revenue_expr(), filter=_KEPT),
        Value(ZERO),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )
    groups = (
        _created_between(qs, start, end)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day", "status")
        .annotate(n=Count("pk"), kept=Count("pk", filter=_KEPT), revenue=revenue)
        .order_by("day", "status")
    )
    by_status = dict.fromkeys(Order.Status.values, 0)
    days: dict[date, dict[str, Any]] = {}
    for row in groups:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        day = days.setdefault(
            row["day"], {"date": row["day"], "orders": 0, "revenue": ZERO, "revenue_orders": 0}
        )
        day["orders"] += row["n"]
        day["revenue"] = money(day["revenue"] + row["revenue"])
        day["revenue_orders"] += row["kept"]
    daily = list(days.values())
    total_revenue = money(sum((day["revenue"] for day in daily), ZERO))
    revenue_orders = sum(day["revenue_orders"] for day in daily)
    return {
        "total_orders": sum(by_status.values()),
        "total_revenue": total_revenue,
        "average_order_value": average_order_value(total_revenue, revenue_orders),
        "by_status": by_status,
        "daily": daily,
    }


def average_order_value(revenue: Decimal, orders: int) -> Decimal:
    # Half-up like every other amount; a bare quantize() would round half to even (0.005 -> 0.00).
    return money(revenue / orders) if orders else ZERO


def order_statistics(
    user: User, *, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    """Counts and revenue by database aggregation, days in the shop's time zone. One query.

    Revenue counts money the shop keeps: total minus refunds, over orders that were paid and are
    not cancelled. A paid order that was cancelled owes all its money back, so it counts nothing
    even before its refund settles. `total_orders` counts every status; the average order value
    is revenue over the number of orders counted in revenue. A user sees their own orders; staff
    all of them.
    """
    qs = Order.objects.all() if is_staff_user(user) else Order.objects.filter(user=user)
    return _statistics(qs, start, end)


def shop_order_statistics(*, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """order_statistics over every order of the shop, for the back office (staff and merchants;
    the caller checks who asks). Each day of `daily` also has its `revenue_orders`."""
    return _statistics(Order.objects.all(), start, end)


def orders_awaiting_shipment_count() -> int:
    """Paid orders not shipped yet, whatever their age."""
    return Order.objects.filter(status=Order.Status.PROCESSING).count()


def top_products(*, start: date, end: date, limit: int = 5) -> list[dict[str, Any]]:
    """The best sellers by units over kept orders placed between `start` and `end` (inclusive):
    `product_id, product_name, units, revenue`. Two queries: the sums (the lines' sales index holds
    every column they read, so PostgreSQL may answer them from the index), then the products'
    names in the request's language; a deleted product is named as such."""
    since, until = day_bounds(start, end)
    rows = list(
        OrderLine.objects.filter(
            order__created_at__gte=since,
            order__created_at__lt=until,
            # An order paid back in full sold nothing (its revenue is 0 in order_statistics).
            order__payment_status__in=_SOLD_STATUSES,
        )
        .exclude(order__status=Order.Status.CANCELLED)
        .values("product_id")
        .annotate(units=Sum("quantity"), revenue=Sum("line_total"))
        .order_by("-units", "-revenue", "product_id")[:limit]
    )
    ids = [row["product_id"] for row in rows if row["product_id"] is not None]
    names = {product.pk: product.name for product in Product.objects.filter(pk__in=ids)}
    return [
        {
            **row,
            "product_name": names.get(row["product_id"], _("(deleted product)")),
            "revenue": money(row["revenue"]),
        }
        for row in rows
    ]


def user_has_bought(user: User, *, product: Product) -> bool:
    """A buyer is a user with a delivered order containing the product. The rule catalog's
    review_create asks (registered in orders.apps): the orders live here, catalog cannot see them."""
    return OrderLine.objects.filter(
        order__user=user, order__status=Order.Status.DELIVERED, product=product
    ).exists()

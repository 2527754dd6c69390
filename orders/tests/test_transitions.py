import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.cache import list_version
from orders import services
from orders.exceptions import (
    AmountMismatch,
    InvalidTransition,
    OrderNotPayable,
    RefundInvalid,
    ShipmentInvalid,
)
from orders.models import Order, OrderEvent, Shipment
from orders.tests.helpers import at_status, stock_of
from promotions.models import UserCoupon

pytestmark = pytest.mark.django_db

STATUSES = ["pending", "processing", "shipped", "delivered", "cancelled", "refunded"]

# Written out by hand from DESIGN.md (not derived from the code under test).
LEGAL = {
    ("pending", "processing"),
    ("pending", "cancelled"),
    ("processing", "cancelled"),
    ("processing", "shipped"),
    ("processing", "refunded"),
    ("shipped", "delivered"),
    ("shipped", "refunded"),
    ("delivered", "refunded"),
}
TARGETS = ["cancelled", "shipped", "delivered", "refunded"]


def run(order, to_status, staff):
    if to_status == "processing":
        return services.order_mark_paid(order, gateway="sandbox", transaction_id="T2")
    if to_status == "cancelled":
        return services.order_cancel(order, actor=staff)
    if to_status == "shipped":
        return services.order_ship(order, carrier="SF", tracking_number="SF9", actor=staff)
    if to_status == "delivered":
        return services.order_deliver(order, actor=staff)
    return services.order_refund(order, amount=order.total - order.refunded_amount, actor=staff)


@pytest.fixture
def order_at(user, staff, variant, place):
    def make(status):
        return at_status(place(user, (variant, 2)), status, actor=staff)

    return make


@pytest.mark.parametrize("from_status", STATUSES)
@pytest.mark.parametrize("to_status", TARGETS)
def test_status_transitions(order_at, staff, from_status, to_status):
    order = order_at(from_status)
    events_before = order.events.count()
    if (from_status, to_status) in LEGAL:
        result = run(order, to_status, staff)
        order.refresh_from_db()
        assert order.status == result.status == to_status
        last = order.events.filter(kind="status").last()
        assert (last.from_status, last.to_status, last.actor) == (from_status, to_status, staff)
    else:
        with pytest.raises(InvalidTransition) as exc:
            run(order, to_status, staff)
        assert exc.value.code == "invalid_transition" and exc.value.status_code == 409
        order.refresh_from_db()
        assert order.status == from_status
        assert order.events.count() == events_before


@pytest.mark.parametrize("from_status", STATUSES)
def test_mark_paid_from_every_status(order_at, from_status):
    order = order_at(from_status)
    before = (order.status, order.payment_status, order.events.count())
    if from_status == "pending":
        order = services.order_mark_paid(order, gateway="sandbox", transaction_id="T3")
        assert (order.status, order.payment_status) == ("processing", "paid")
        assert order.paid_at is not None
    elif from_status == "cancelled":
        with pytest.raises(OrderNotPayable) as exc:
            services.order_mark_paid(order, gateway="sandbox")
        assert exc.value.code == "order_not_payable"
    else:
        # Already paid: a repeated payment confirmation changes nothing.
        services.order_mark_paid(order, gateway="sandbox", transaction_id="again")
    if from_status != "pending":
        order.refresh_from_db()
        assert (order.status, order.payment_status, order.events.count()) == before


def test_mark_paid_writes_status_and_payment_events(order_at):
    order = services.order_mark_paid(
        order_at("pending"), gateway="alipay", transaction_id="2026TX", amount=Decimal("100.00")
    )
    rows = list(order.events.values_list("kind", "from_status", "to_status"))
    assert rows[-2:] == [("status", "pending", "processing"), ("payment", "pending", "paid")]
    assert "2026TX" in order.events.last().note
    assert order.payment_method == "alipay"
    again = services.order_mark_paid(order, gateway="alipay", transaction_id="2026TX")
    assert again.events.count() == len(rows)


def test_mark_paid_with_wrong_amount_changes_nothing(order_at):
    order = order_at("pending")
    with pytest.raises(AmountMismatch):
        services.order_mark_paid(order, gateway="sandbox", amount=Decimal("99.99"))
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("pending", "pending")


def test_cancel_unpaid_releases_stock_and_returns_coupon(user, variant, make_coupon, place):
    coupon = make_coupon(user)
    order = place(user, (variant, 3), coupon_code=coupon.template.code)
    assert stock_of(variant).quantity_allocated == 3
    order = services.order_cancel(order, actor=user, reason="changed my mind")
    assert stock_of(variant).quantity_allocated == 0
    assert stock_of(variant).quantity == 10
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (UserCoupon.Status.UNUSED, None)
    assert order.cancelled_at is not None
    # Cancelling twice is an illegal transition, and gives nothing back twice.
    with pytest.raises(InvalidTransition):
        services.order_cancel(order)
    assert stock_of(variant).quantity_allocated == 0


def test_cancel_paid_releases_stock_keeps_coupon_and_notes_refund(
    user, variant, make_coupon, place
):
    coupon = make_coupon(user)
    order = place(user, (variant, 2), coupon_code=coupon.template.code)
    services.order_mark_paid(order, gateway="sandbox")
    order = services.order_cancel(order, actor=user)
    assert stock_of(variant).quantity_allocated == 0
    coupon.refresh_from_db()
    assert coupon.status == UserCoupon.Status.USED
    note = order.events.get(kind="note")
    assert note.to_status == "refund_due" and str(order.total) in note.note
    assert order.payment_status == "paid"  # the refund itself comes from the payments app


def test_ship_deducts_stock_counts_sales_and_invalidates_cache(
    user, staff, variant, place, django_capture_on_commit_callbacks
):
    order = at_status(place(user, (variant, 4)), "processing")
    version = list_version()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_ship(order, carrier="SF", tracking_number="SF123", actor=staff)
    stock = stock_of(variant)
    assert (stock.quantity, stock.quantity_allocated) == (6, 0)
    variant.product.refresh_from_db()
    assert variant.product.sales_count == 4
    shipment = Shipment.objects.get(order=order)
    assert (shipment.carrier, shipment.tracking_number, shipment.shipped_by) == (
        "SF",
        "SF123",
        staff,
    )
    assert order.shipped_at is not None
    assert list_version() > version


@pytest.mark.parametrize("carrier,tracking", [("", "X1"), ("SF", "  ")])
def test_ship_needs_carrier_and_tracking(user, variant, place, carrier, tracking):
    order = at_status(place(user, (variant, 1)), "processing")
    with pytest.raises(ShipmentInvalid):
        services.order_ship(order, carrier=carrier, tracking_number=tracking)
    assert Order.objects.get(pk=order.pk).status == "processing"


def test_partial_then_full_refund(user, staff, variant, place):
    order = at_status(place(user, (variant, 2)), "shipped")  # total 100.00
    order = services.order_refund(order, amount=Decimal("30.00"), reason="scratch", actor=staff)
    assert (order.status, order.payment_status, order.refunded_amount) == (
        "shipped",
        "partially_refunded",
        Decimal("30.00"),
    )
    with pytest.raises(RefundInvalid):
        services.order_refund(order, amount=Decimal("70.01"))
    order = services.order_refund(order, amount=Decimal("70.00"), actor=staff)
    assert (order.status, order.payment_status, order.refunded_amount) == (
        "refunded",
        "refunded",
        Decimal("100.00"),
    )
    kinds = list(order.events.values_list("kind", "from_status", "to_status"))
    assert kinds[-3:] == [
        ("payment", "paid", "partially_refunded"),
        ("status", "shipped", "refunded"),
        ("payment", "partially_refunded", "refunded"),
    ]
    # Shipped goods are not restocked by a refund.
    assert stock_of(variant).quantity == 8


@pytest.mark.parametrize("amount", ["0", "-1", "100.01"])
def test_refund_amount_out_of_range(user, variant, place, amount):
    order = at_status(place(user, (variant, 2)), "processing")
    with pytest.raises(RefundInvalid) as exc:
        services.order_refund(order, amount=Decimal(amount))
    assert exc.value.status_code == 400
    order.refresh_from_db()
    assert (order.payment_status, order.refunded_amount) == ("paid", Decimal("0.00"))


def test_full_refund_before_shipping_releases_stock(user, variant, place):
    order = at_status(place(user, (variant, 2)), "processing")
    services.order_refund(order, amount=Decimal("30.00"))
    assert stock_of(variant).quantity_allocated == 2  # partial: goods still go out
    services.order_refund(order, amount=Decimal("70.00"))
    stock = stock_of(variant)
    assert (stock.quantity, stock.quantity_allocated) == (10, 0)


def test_every_transition_leaves_an_event_trail(user, staff, variant, place):
    order = at_status(place(user, (variant, 1)), "delivered", actor=staff)
    trail = list(
        OrderEvent.objects.filter(order=order, kind="status").values_list(
            "from_status", "to_status"
        )
    )
    assert trail == [
        ("", "pending"),
        ("pending", "processing"),
        ("processing", "shipped"),
        ("shipped", "delivered"),
    ]


def test_refund_of_a_paid_cancelled_order_settles_payment_only(user, variant, place):
    order = at_status(place(user, (variant, 2)), "processing")
    order = services.order_cancel(order)
    order = services.order_refund(order, amount=order.total, reason="owed after cancel")
    assert (order.status, order.payment_status, order.refunded_amount) == (
        "cancelled",
        "refunded",
        order.total,
    )
    assert stock_of(variant).quantity_allocated == 0
    assert order.events.last().kind == "payment"
    with pytest.raises(RefundInvalid):
        services.order_refund(order, amount=Decimal("0.01"))


def test_unpaid_cancelled_order_cannot_be_refunded(user, variant, place):
    order = services.order_cancel(place(user, (variant, 1)))
    with pytest.raises(InvalidTransition):
        services.order_refund(order, amount=Decimal("1.00"))


def test_ship_updates_sales_counts_in_product_pk_order(user, staff, make_variant, place):
    """The project's lock order is "rows in primary-key order": an order whose lines list the
    products out of pk order must still update (lock) them ascending, or two shipments with
    opposite line orders can deadlock."""
    first, second, third = (make_variant(price="10.00") for _ in range(3))
    order = at_status(place(user, (third, 1), (first, 2), (second, 3)), "processing")
    table = first.product._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        services.order_ship(order, carrier="SF", tracking_number="SF1", actor=staff)
    updated = [
        int(re.search(r'"id" = (\d+)', query["sql"]).group(1))
        for query in queries.captured_queries
        if query["sql"].startswith(f'UPDATE "{table}"')
    ]
    assert updated == sorted([first.product_id, second.product_id, third.product_id])
    counts = []
    for variant in (first, second, third):
        variant.product.refresh_from_db()
        counts.append(variant.product.sales_count)
    assert counts == [2, 3, 1]

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.testing.state import db_state
from orders.models import Order
from orders.tests.helpers import at_status, stock_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def order(user, variant, place):
    return place(user, (variant, 2))


# --- Reading --------------------------------------------------------------------------------------------


def test_order_answer_fields(user_client, order):
    data = user_client.get(f"{URL}{order.number}/").data
    assert data["number"] == order.number
    assert (data["status"], data["payment_status"], data["payment_method"]) == (
        "pending",
        "pending",
        "sandbox",
    )
    [item] = data["items"]
    line = order.lines.get()
    assert item == {
        "id": line.pk,
        "variant_id": line.variant_id,
        "product_id": line.product_id,
        "product_name": line.product_name,
        "variant_name": line.variant_name,
        "sku": line.sku,
        "unit_price": "50.00",
        "quantity": 2,
        "line_total": "100.00",
    }
    for name in ("subtotal", "total"):
        assert data[name] == "100.00"
    for name in ("discount_amount", "tax_amount", "shipping_amount", "refunded_amount"):
        assert data[name] == "0.00"
    assert data["shipping_address"]["full_name"] == "李四"
    assert data["expires_at"] and data["created_at"]
    assert data["shipments"] == []


@pytest.mark.parametrize("count", [1, 50])
def test_order_list_query_count(user, user_client, variant, count, django_assert_max_num_queries):
    orders = [
        Order(
            number=f"T{count}{i:08d}",
            user=user,
            payment_method="sandbox",
            subtotal=Decimal("10.00"),
            total=Decimal("10.00"),
            shipping_address={},
        )
        for i in range(count)
    ]
    Order.objects.bulk_create(orders)
    from orders.models import OrderLine, Shipment

    OrderLine.objects.bulk_create(
        OrderLine(
            order=o,
            variant=variant,
            product=variant.product,
            product_name="p",
            sku=variant.sku,
            unit_price=Decimal("5.00"),
            quantity=2,
            line_total=Decimal("10.00"),
        )
        for o in Order.objects.all()
    )
    Shipment.objects.bulk_create(
        Shipment(order=o, carrier="SF", tracking_number="1") for o in Order.objects.all()
    )
    # auth user, count, orders, lines, shipments
    with django_assert_max_num_queries(5):
        response = user_client.get(URL, {"page_size": 100})
    assert response.data["count"] == count
    assert len(response.data["results"]) == count
    assert all(len(o["items"]) == 1 and len(o["shipments"]) == 1 for o in response.data["results"])


def test_list_shows_own_orders_staff_sees_all(
    user, other_user, user_client, staff_client, variant, place
):
    mine = place(user, (variant, 1))
    theirs = place(other_user, (variant, 1))
    assert [o["number"] for o in user_client.get(URL).data["results"]] == [mine.number]
    numbers = {o["number"] for o in staff_client.get(URL).data["results"]}
    assert numbers == {mine.number, theirs.number}


def test_list_filters_by_status(user, user_client, variant, place):
    pending = place(user, (variant, 1))
    paid = at_status(place(user, (variant, 1)), "processing")
    assert [
        o["number"] for o in user_client.get(URL, {"status": "processing"}).data["results"]
    ] == [paid.number]
    assert [o["number"] for o in user_client.get(URL, {"status": "pending"}).data["results"]] == [
        pending.number
    ]
    assert user_client.get(URL, {"status": "bogus"}).status_code == 400


@pytest.mark.parametrize(
    "method,suffix,body",
    [
        ("get", "", None),
        ("get", "events/", None),
        ("post", "cancel/", {}),
        ("post", "confirm-receipt/", {}),
    ],
)
def test_another_users_order_is_404(other_user, order, method, suffix, body):
    from rest_framework.test import APIClient

    from conftest import bearer

    client = APIClient()
    client.credentials(**bearer(other_user))
    before = db_state()
    response = getattr(client, method)(f"{URL}{order.number}/{suffix}", body, format="json")
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == "pending"
    assert db_state() == before


def test_unknown_number_is_404(user_client):
    assert user_client.get(f"{URL}2026000000000000/").status_code == 404
    assert user_client.get(f"{URL}x/").status_code == 404


def test_anonymous_gets_401(api_client, order):
    assert api_client.get(URL).status_code == 401
    assert api_client.get(f"{URL}{order.number}/").status_code == 401


# --- Actions -------------------------------------------------------------------------------------------------


def test_owner_cancels_and_reads_events(user, user_client, order, variant):
    response = user_client.post(f"{URL}{order.number}/cancel/", {"reason": "oops"}, format="json")
    assert (response.status_code, response.data["status"]) == (200, "cancelled")
    assert stock_of(variant).quantity_allocated == 0
    events = user_client.get(f"{URL}{order.number}/events/").data
    assert [(e["kind"], e["from_status"], e["to_status"]) for e in events] == [
        ("status", "", "pending"),
        ("status", "pending", "cancelled"),
    ]
    assert events[1]["actor"] == user.username and events[1]["note"] == "oops"
    assert events[1]["created_at"]
    before = db_state()
    response = user_client.post(f"{URL}{order.number}/cancel/", {}, format="json")
    assert (response.status_code, response.data["code"]) == (409, "invalid_transition")
    assert db_state() == before


def test_staff_cancels_any_order(staff_client, order):
    assert staff_client.post(f"{URL}{order.number}/cancel/").data["status"] == "cancelled"


def test_ship_by_merchant_or_staff_only(user_client, merchant_client, order):
    at_status(order, "processing")
    body = {"carrier": "SF", "tracking_number": "SF100"}
    before = db_state()
    response = user_client.post(f"{URL}{order.number}/ship/", body, format="json")
    assert response.status_code == 403
    assert merchant_client.post(f"{URL}{order.number}/ship/", {}, format="json").status_code == 400
    blank = {"carrier": " ", "tracking_number": "SF100"}
    assert (
        merchant_client.post(f"{URL}{order.number}/ship/", blank, format="json").status_code == 400
    )
    assert db_state() == before  # still processing, stock still allocated, no shipment
    response = merchant_client.post(f"{URL}{order.number}/ship/", body, format="json")
    assert (response.status_code, response.data["status"]) == (200, "shipped")
    assert response.data["shipments"][0]["tracking_number"] == "SF100"
    before = db_state()
    response = merchant_client.post(f"{URL}{order.number}/ship/", body, format="json")
    assert (response.status_code, response.data["code"]) == (409, "invalid_transition")
    assert db_state() == before  # no second shipment, no second sale in the ledger


def test_confirm_receipt_by_owner(user_client, staff_client, order):
    at_status(order, "shipped")
    before = db_state()
    assert staff_client.post(f"{URL}{order.number}/confirm-receipt/").status_code == 404
    assert db_state() == before
    response = user_client.post(f"{URL}{order.number}/confirm-receipt/")
    assert (response.status_code, response.data["status"]) == (200, "delivered")
    assert response.data["delivered_at"]


def test_confirm_receipt_of_pending_order_is_409(user_client, order):
    before = db_state()
    response = user_client.post(f"{URL}{order.number}/confirm-receipt/")
    assert (response.status_code, response.data["code"]) == (409, "invalid_transition")
    assert db_state() == before


def test_refund_without_a_gateway_refund_is_refused(staff_client, order, no_gateway_refund):
    """Money is never recorded as returned when no gateway returned it."""
    at_status(order, "processing")
    before = db_state()
    response = staff_client.post(f"{URL}{order.number}/refund/", {"amount": "40.00"}, format="json")
    assert (response.status_code, response.data["code"]) == (400, "refund_invalid")
    assert db_state() == before


def test_refund_by_staff(user_client, staff_client, order, staff, gateway_refund):
    at_status(order, "processing")
    body = {"amount": "40.00", "reason": "damaged"}
    before = db_state()
    assert user_client.post(f"{URL}{order.number}/refund/", body, format="json").status_code == 403
    assert db_state() == before
    response = staff_client.post(f"{URL}{order.number}/refund/", body, format="json")
    assert (response.data["payment_status"], response.data["refunded_amount"]) == (
        "partially_refunded",
        "40.00",
    )
    before = db_state()
    response = staff_client.post(f"{URL}{order.number}/refund/", {"amount": "60.01"}, format="json")
    assert (response.status_code, response.data["code"]) == (400, "refund_invalid")
    assert response.data["refundable"] == "60.00"
    for bad in ("abc", "0", "-5", "0.001", "NaN"):
        response = staff_client.post(f"{URL}{order.number}/refund/", {"amount": bad}, format="json")
        assert response.status_code == 400, bad
    assert db_state() == before  # still 40.00 refunded, partially_refunded, stock held
    response = staff_client.post(f"{URL}{order.number}/refund/", {"amount": "60.00"}, format="json")
    assert (response.data["status"], response.data["payment_status"]) == ("refunded", "refunded")
    # Through the gateway refund, with staff's words and identity.
    assert [(amount, reason, actor) for _, amount, reason, actor in gateway_refund] == [
        (Decimal("40.00"), "damaged", staff),
        (Decimal("60.01"), "", staff),  # refused by order_refund (the stand-in settles at once)
        (Decimal("60.00"), "", staff),
    ]


# --- Statistics -------------------------------------------------------------------------------------------


def _at(order, day, hour):
    Order.objects.filter(pk=order.pk).update(
        created_at=datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)
    )


def test_statistics(user, other_user, user_client, staff_client, make_variant, place):
    variant = make_variant(price="50.00", stock=50)
    a = at_status(place(user, (variant, 2)), "processing")  # 100.00 paid
    b = at_status(place(user, (variant, 1)), "shipped")  # 50.00 + 10.00 shipping paid
    from orders.services import order_cancel, order_refund

    order_refund(b, amount=Decimal("20.00"))  # keeps 40.00
    c = place(user, (variant, 1))  # pending, not revenue
    d = at_status(place(other_user, (variant, 4)), "processing")  # 200.00, someone else's
    e = at_status(place(user, (variant, 2)), "refunded")  # paid and fully refunded: 0
    # Paid, then cancelled before shipping: its 60.00 is owed back even before the refund settles.
    f = at_status(place(user, (variant, 1)), "processing")
    order_cancel(f)
    # 00:30 in Shanghai on the 21st is still the 20th in UTC: days follow the shop's zone.
    _at(a, 20, 23)
    _at(b, 21, 0)
    _at(c, 21, 10)
    _at(d, 21, 12)
    _at(e, 22, 9)
    _at(f, 22, 11)

    mine = user_client.get(f"{URL}statistics/").data
    assert mine["total_orders"] == 5  # every status counts here, the cancelled one too
    assert mine["total_revenue"] == "140.00"
    assert mine["average_order_value"] == "46.67"  # 140.00 over the 3 orders in revenue (a, b, e)
    assert mine["by_status"] == {
        "pending": 1,
        "processing": 1,
        "shipped": 1,
        "delivered": 0,
        "cancelled": 1,
        "refunded": 1,
    }
    assert mine["daily"] == [
        {"date": "2026-11-20", "orders": 1, "revenue": "100.00"},
        {"date": "2026-11-21", "orders": 2, "revenue": "40.00"},
        {"date": "2026-11-22", "orders": 2, "revenue": "0.00"},
    ]

    everyone = staff_client.get(f"{URL}statistics/", {"start": "2026-11-21", "end": "2026-11-21"})
    assert everyone.data["total_orders"] == 3
    assert everyone.data["total_revenue"] == "240.00"
    assert everyone.data["average_order_value"] == "120.00"
    assert everyone.data["daily"] == [{"date": "2026-11-21", "orders": 3, "revenue": "240.00"}]


def test_statistics_empty_and_bad_input(user_client):
    data = user_client.get(f"{URL}statistics/").data
    assert (data["total_orders"], data["total_revenue"], data["average_order_value"]) == (
        0,
        "0.00",
        "0.00",
    )
    assert data["daily"] == []
    assert user_client.get(f"{URL}statistics/", {"start": "nope"}).status_code == 400
    response = user_client.get(f"{URL}statistics/", {"start": "2026-02-02", "end": "2026-02-01"})
    assert response.status_code == 400


def test_statistics_created_range_is_inclusive(user, user_client, variant, place):
    order = at_status(place(user, (variant, 1)), "processing")
    _at(order, 21, 23)
    day = (datetime(2026, 11, 21) + timedelta(days=0)).date().isoformat()
    data = user_client.get(f"{URL}statistics/", {"start": day, "end": day}).data
    assert data["total_orders"] == 1


@pytest.mark.parametrize(
    "kept, average",
    [
        # revenue 0.01 over 2 orders = 0.005: half-up 0.01 (banker's rounding gives 0.00)
        (("0.01", "0.00"), "0.01"),
        # 0.25 / 2 = 0.125: half-up 0.13 (half-even 0.12)
        (("0.25", "0.00"), "0.13"),
        # 5.35 / 2 = 2.675: 2.68 (a float, 2.67499..., gives 2.67)
        (("5.35", "0.00"), "2.68"),
        # 1.01 / 2 = 0.505 -> 0.51; 0.01 / 3 = 0.00333... -> 0.00
        (("1.00", "0.01"), "0.51"),
        (("0.01", "0.00", "0.00"), "0.00"),
    ],
)
def test_statistics_round_half_up(kept, average, user, user_client):
    """Each order was paid 10.00 and refunded all but `kept`, so revenue is the sum of `kept`."""
    from orders.tests.factories import OrderFactory

    for amount in kept:
        refunded = Decimal("10.00") - Decimal(amount)
        OrderFactory(
            user=user,
            subtotal=Decimal("10.00"),
            total=Decimal("10.00"),
            refunded_amount=refunded,
            status="refunded" if not refunded else "delivered",
            payment_status="partially_refunded" if Decimal(amount) else "refunded",
        )
    from orders.queries import order_statistics

    stats = order_statistics(user)
    assert stats["average_order_value"] == Decimal(average)
    assert stats["average_order_value"].as_tuple().exponent == -2
    assert isinstance(stats["total_revenue"], Decimal)
    assert all(isinstance(day["revenue"], Decimal) for day in stats["daily"])
    data = user_client.get(f"{URL}statistics/").data
    assert data["average_order_value"] == average
    assert data["total_revenue"] == str(sum(map(Decimal, kept), Decimal("0.00")))


def test_money_rounds_half_up_and_reads_floats_by_their_repr():
    from core.money import money

    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("0.125")) == Decimal("0.13")
    assert money(2.675) == Decimal("2.68")  # Decimal(2.675) is 2.67499999...
    assert money(0.1 + 0.2) == Decimal("0.30")
    assert money(None) == money(0) == Decimal("0.00")

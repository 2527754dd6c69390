"""The after-sales refund when the gateway does not answer at once, or refuses."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales import services
from aftersales.exceptions import RefundFailed, RefundInProgress
from aftersales.models import AfterSalesRequest
from aftersales.tests.conftest import lines_of
from payments.gateways.base import FAILED, GatewayError, RefundState
from payments.gateways.sandbox import SandboxGateway
from payments.models import Refund
from payments.tasks import payments_reconcile

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(paid_order, staff):
    order = paid_order(("30.00", 2), delivered=False)  # 60.00
    request = services.aftersales_request_create(
        order.user,
        order_number=order.number,
        kind="refund_only",
        lines=lines_of(order, 1),
        reason="not_received",
    )
    return order, services.aftersales_request_approve(request, actor=staff)


def test_a_refund_the_gateway_leaves_pending_settles_later(approved, staff, monkeypatch):
    order, request = approved
    real_refund = SandboxGateway.refund

    def silent(self, req):
        raise GatewayError("timeout")

    monkeypatch.setattr(SandboxGateway, "refund", silent)
    request = services.aftersales_request_refund(request, actor=staff)
    request.refresh_from_db()
    assert request.status == "approved"
    assert request.refund.status == Refund.Status.PENDING
    with pytest.raises(RefundInProgress):
        services.aftersales_request_refund(request, actor=staff)
    assert Refund.objects.count() == 1  # never asked twice

    monkeypatch.setattr(SandboxGateway, "refund", real_refund)
    Refund.objects.update(created_at=timezone.now() - timedelta(hours=1))
    payments_reconcile.delay()  # payments settles it with the gateway
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    from aftersales.tasks import aftersales_sweep

    assert aftersales_sweep.delay().get() == {"settled": 1}
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == "refunded"
    assert (order.payment_status, order.refunded_amount) == ("partially_refunded", Decimal("30.00"))


def test_a_refused_refund_is_409_and_may_be_tried_again(approved, staff, monkeypatch):
    order, request = approved
    real_refund = SandboxGateway.refund

    def refuse(self, req):
        return RefundState(req.out_request_no, FAILED, req.amount)

    monkeypatch.setattr(SandboxGateway, "refund", refuse)
    with pytest.raises(RefundFailed) as caught:
        services.aftersales_request_refund(request, actor=staff)
    assert caught.value.code == "refund_failed"
    request.refresh_from_db()
    assert (request.status, request.refund_started_at) == ("approved", None)
    order.refresh_from_db()
    assert order.payment_status == "paid"

    monkeypatch.setattr(SandboxGateway, "refund", real_refund)
    services.aftersales_request_refund(request, actor=staff)
    request.refresh_from_db()
    assert request.status == "refunded"
    assert list(Refund.objects.order_by("pk").values_list("status", flat=True)) == [
        "failed",
        "succeeded",
    ]


def test_a_crashed_refund_is_adopted_not_paid_twice(approved, staff):
    order, request = approved
    # A run wrote the Refund at payments, the gateway paid, then the worker died before step 3.
    from payments.services import refund_create

    refund_create(order, amount=request.refund_amount, reason=f"after-sales #{request.pk}")
    AfterSalesRequest.objects.filter(pk=request.pk).update(
        refund_started_at=timezone.now() - timedelta(hours=1)
    )
    services.aftersales_request_refund(request, actor=staff)
    request.refresh_from_db()
    assert request.status == "refunded"
    assert Refund.objects.count() == 1
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("30.00")


def test_a_fresh_start_mark_blocks_a_second_refund(approved, staff):
    _order, request = approved
    AfterSalesRequest.objects.filter(pk=request.pk).update(refund_started_at=timezone.now())
    with pytest.raises(RefundInProgress):
        services.aftersales_request_refund(request, actor=staff)
    assert not Refund.objects.exists()

"""Races on PostgreSQL with real threads: the order row lock, the one-open-request-per-line
constraint and payments' payment row lock decide."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from aftersales import services
from aftersales.models import AfterSalesLine, AfterSalesRequest
from aftersales.tests.conftest import lines_of
from orders.services import order_refund_request
from payments.models import Refund, SandboxTrade

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*functions):
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize("repeat", range(3))
def test_two_concurrent_requests_for_the_same_line_make_one(paid_order, repeat):
    order = paid_order(("10.00", 2))

    def ask():
        return services.aftersales_request_create(
            order.user,
            order_number=order.number,
            kind="return_and_refund",
            lines=lines_of(order, 2),
            reason="damaged",
        )

    results = race(ask, ask, ask)
    made = [r for r in results if isinstance(r, AfterSalesRequest)]
    refused = [r for r in results if not isinstance(r, AfterSalesRequest)]
    assert len(made) == 1, results
    assert {getattr(r, "code", None) for r in refused} == {"after_sales_line_open"}, refused
    assert AfterSalesRequest.objects.count() == 1
    assert AfterSalesLine.objects.filter(is_open=True).count() == 1


@pytest.mark.parametrize("repeat", range(3))
def test_a_request_racing_a_staff_refund_never_refunds_more_than_paid(paid_order, staff, repeat):
    order = paid_order(("30.00", 2), ("40.00", 1), delivered=False)  # 100.00
    request = services.aftersales_request_create(
        order.user,
        order_number=order.number,
        kind="refund_only",
        lines=lines_of(order, 2),
        reason="not_received",
    )
    assert request.refund_amount == Decimal("60.00")
    request = services.aftersales_request_approve(request, actor=staff)

    results = race(
        lambda: services.aftersales_request_refund(request, actor=staff),
        lambda: order_refund_request(
            order, amount=Decimal("50.00"), reason="goodwill", actor=staff
        ),
    )
    order.refresh_from_db()
    request.refresh_from_db()
    paid_back = sum(
        Refund.objects.filter(status="succeeded").values_list("amount", flat=True), Decimal("0")
    )
    assert paid_back <= order.total
    assert order.refunded_amount == paid_back
    assert SandboxTrade.objects.get().refunded == paid_back
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1, results
    assert getattr(failures[0], "code", None) == "refund_invalid"
    if isinstance(results[0], Exception):
        # The staff refund won: the request is still approved, free to be tried again.
        assert (request.status, request.refund_started_at) == ("approved", None)
        assert paid_back == Decimal("50.00")
    else:
        assert request.status == "refunded"
        assert paid_back == Decimal("60.00")


def test_two_staff_refunding_one_request_pay_once(paid_order, staff):
    order = paid_order(("30.00", 2))
    request = services.aftersales_request_create(
        order.user,
        order_number=order.number,
        kind="refund_only",
        lines=lines_of(order, 1),
        reason="damaged",
    )
    request = services.aftersales_request_approve(request, actor=staff)
    results = race(*[lambda: services.aftersales_request_refund(request, actor=staff)] * 3)
    assert Refund.objects.count() == 1, results
    assert {getattr(r, "code", "ok") for r in results} <= {
        "ok",
        "refund_in_progress",
        "invalid_transition",
    }
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == "refunded"
    assert order.refunded_amount == Decimal("30.00")


@pytest.mark.parametrize("repeat", range(2))
def test_two_sweeps_and_a_staff_reject_at_once(paid_order, staff, repeat):
    """The Beat sweep run twice at the same moment (two workers) while staff reject the same
    stale refund-only request: one outcome wins under the request's lock; never two refunds,
    never a refund of a rejected request."""
    from datetime import timedelta

    from django.utils import timezone

    order = paid_order(("30.00", 2))
    request = services.aftersales_request_create(
        order.user,
        order_number=order.number,
        kind="refund_only",
        lines=lines_of(order, 1),
        reason="damaged",
    )
    AfterSalesRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=10)
    )
    results = race(
        services.aftersales_sweep,
        services.aftersales_sweep,
        lambda: services.aftersales_request_reject(request, actor=staff, note="no"),
    )
    request.refresh_from_db()
    order.refresh_from_db()
    refunds = list(Refund.objects.exclude(status="failed"))
    assert len(refunds) <= 1, results
    if request.status == "rejected":
        assert refunds == [] and order.refunded_amount == 0
    else:
        assert request.status == "refunded", results
        assert [r.amount for r in refunds] == [Decimal("30.00")]
        assert order.refunded_amount == Decimal("30.00")
        assert getattr(results[2], "code", None) == "invalid_transition"
    assert SandboxTrade.objects.get().refunded == order.refunded_amount

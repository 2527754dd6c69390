"""After-sales transitions, amounts on real orders, restock and release, and the gateway refund."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from aftersales import services
from aftersales.exceptions import (
    AfterSalesLineInvalid,
    AfterSalesLineOpen,
    AfterSalesNotAllowed,
    AfterSalesOrderNotFound,
    AfterSalesWindowClosed,
    InvalidTransition,
    ReturnShipmentInvalid,
)
from aftersales.models import AfterSalesEvent, AfterSalesRequest
from aftersales.queries import open_requests_count
from aftersales.tests.conftest import lines_of
from inventory.models import StockMovement
from orders.exceptions import RefundInvalid
from orders.models import Order
from orders.tests.helpers import stock_of
from payments.models import Payment, Refund, SandboxTrade

pytestmark = pytest.mark.django_db
D = Decimal


def create(order, *quantities, kind="return_and_refund", reason="damaged", **kwargs):
    return services.aftersales_request_create(
        order.user,
        order_number=order.number,
        kind=kind,
        lines=lines_of(order, *quantities),
        reason=reason,
        **kwargs,
    )


def statuses(request):
    return list(request.events.order_by("pk").values_list("from_status", "to_status"))


# --- the return path, each move, events and mail --------------------------------------------------


def test_return_and_refund_walks_every_state_and_pays_back_through_the_gateway(
    paid_order, staff, django_capture_on_commit_callbacks
):
    order = paid_order(("60.00", 2), ("40.00", 1))  # 160.00, free shipping
    first = order.lines.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        request = create(order, 1, None, description="cracked")
    assert (request.status, request.refund_amount) == ("requested", D("60.00"))
    assert open_requests_count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        request = services.aftersales_request_approve(request, actor=staff, note="ok")
    with django_capture_on_commit_callbacks(execute=True):
        request = services.aftersales_request_ship_back(
            request, carrier="SF", tracking_number="SF9", actor=order.user
        )
    assert (request.return_carrier, request.return_tracking_number) == ("SF", "SF9")
    before = stock_of(first.variant).quantity
    with django_capture_on_commit_callbacks(execute=True):
        request = services.aftersales_request_receive(
            request, restock={first.pk: True}, actor=staff
        )
    assert stock_of(first.variant).quantity == before + 1
    with django_capture_on_commit_callbacks(execute=True):
        request = services.aftersales_request_refund(request, actor=staff)

    request.refresh_from_db()
    assert request.status == "refunded"
    assert request.refund.status == Refund.Status.SUCCEEDED
    assert request.refund.amount == D("60.00")
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.refunded_amount) == (
        "delivered",
        "partially_refunded",
        D("60.00"),
    )
    assert Payment.objects.get(order=order).status == "partially_refunded"
    assert SandboxTrade.objects.get().refunded == D("60.00")  # the money really went back
    assert statuses(request) == [
        ("", "requested"),
        ("requested", "approved"),
        ("approved", "returned"),
        ("returned", "received"),
        ("received", "refunded"),
    ]
    assert request.events.get(to_status="approved").actor == staff
    assert request.events.get(to_status="approved").note == "ok"
    assert open_requests_count() == 0
    # One mail per change, once.
    mails = [m for m in mail.outbox if "After-sales request" in m.subject]
    assert len(mails) == 5
    assert all(m.to == [order.user.email] for m in mails)
    assert AfterSalesEvent.objects.filter(emailed_at__isnull=True).count() == 0


def test_the_whole_order_returned_pays_back_everything_and_ends_the_order(
    paid_order, staff, settings
):
    order = paid_order(("30.00", 1))  # 30.00 + 10.00 shipping
    assert order.total == D("40.00")
    request = create(order, 1)
    assert (request.refund_amount, request.shipping_refund) == (D("40.00"), D("10.00"))
    services.aftersales_request_approve(request, actor=staff)
    services.aftersales_request_ship_back(
        request, carrier="SF", tracking_number="1", actor=order.user
    )
    services.aftersales_request_receive(request, restock={}, actor=staff)
    services.aftersales_request_refund(request, actor=staff)
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.refunded_amount) == (
        "refunded",
        "refunded",
        D("40.00"),
    )


def test_refund_only_of_an_unshipped_order_releases_just_those_units(paid_order, staff):
    order = paid_order(("50.00", 3), delivered=False)
    line = order.lines.get()
    assert stock_of(line.variant).quantity_allocated == 3
    request = create(order, 2, kind="refund_only", reason="changed_mind")
    assert request.refund_amount == D("100.00")
    services.aftersales_request_approve(request, actor=staff)
    services.aftersales_request_refund(request, actor=staff)
    request.refresh_from_db()
    assert request.status == "refunded"
    stock = stock_of(line.variant)
    assert (stock.quantity, stock.quantity_allocated) == (20, 1)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("processing", "partially_refunded")
    assert not StockMovement.objects.filter(reason="return").exists()


def test_refund_only_of_the_whole_unshipped_order_refunds_and_releases_it(paid_order, staff):
    order = paid_order(("50.00", 2), delivered=False)  # 100.00, free shipping
    line = order.lines.get()
    request = create(order, 2, kind="refund_only", reason="not_received")
    services.aftersales_request_approve(request, actor=staff)
    services.aftersales_request_refund(request, actor=staff)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("refunded", "refunded")
    assert stock_of(line.variant).quantity_allocated == 0


def test_restock_writes_one_return_ledger_row_per_line(paid_order, staff):
    order = paid_order(("10.00", 2), ("20.00", 3), ("30.00", 1))
    first, second, third = order.lines.order_by("pk")
    request = create(order, 2, 1, 1)
    services.aftersales_request_approve(request, actor=staff)
    services.aftersales_request_ship_back(
        request, carrier="SF", tracking_number="2", actor=order.user
    )
    before = {line.pk: stock_of(line.variant).quantity for line in (first, second, third)}
    services.aftersales_request_receive(
        request, restock={first.pk: True, second.pk: True, third.pk: False}, actor=staff
    )
    rows = StockMovement.objects.filter(reason="return").order_by("pk")
    assert [(r.stock.variant_id, r.delta, r.reference) for r in rows] == [
        (first.variant_id, 2, order.number),
        (second.variant_id, 1, order.number),
    ]
    assert stock_of(first.variant).quantity == before[first.pk] + 2
    assert stock_of(second.variant).quantity == before[second.pk] + 1
    assert stock_of(third.variant).quantity == before[third.pk]  # written off
    assert [line.restock for line in request.lines.order_by("pk")] == [True, True, False]


# --- amounts on real orders -------------------------------------------------------------------------


def test_coupon_spread_over_lines_and_partial_quantities_add_up_to_what_was_paid(
    user, make_variant, place, make_coupon, staff
):
    from aftersales.tests.conftest import deliver, pay

    a, b, c = make_variant("33.33", 20), make_variant("19.99", 20), make_variant("7.01", 20)
    code = make_coupon(user, kind="fixed", value="13.57").template.code
    order = deliver(pay(place(user, (a, 3), (b, 2), (c, 1), coupon_code=code)))
    order.refresh_from_db()
    assert order.discount_amount == D("13.57")
    total_refunded = D("0")
    # Every unit in its own request, refunded one by one.
    for line in order.lines.order_by("pk"):
        for _unit in range(line.quantity):
            request = services.aftersales_request_create(
                user,
                order_number=order.number,
                kind="return_and_refund",
                lines=[{"order_line_id": line.pk, "quantity": 1}],
                reason="size_or_fit",
            )
            services.aftersales_request_approve(request, actor=staff)
            services.aftersales_request_ship_back(
                request, carrier="SF", tracking_number="3", actor=user
            )
            services.aftersales_request_receive(request, restock={line.pk: True}, actor=staff)
            services.aftersales_request_refund(request, actor=staff)
            request.refresh_from_db()
            assert request.status == "refunded"
            total_refunded += request.refund_amount
    order.refresh_from_db()
    assert total_refunded == order.total
    assert (order.refunded_amount, order.payment_status) == (order.total, "refunded")


def test_amount_with_a_percent_coupon_and_tax(user, make_variant, place, make_coupon, tax, staff):
    from aftersales.tests.conftest import deliver, pay

    a, b = make_variant("99.99", 20), make_variant("0.99", 20)
    code = make_coupon(user, kind="percent", value="15").template.code
    order = deliver(pay(place(user, (a, 1), (b, 3), coupon_code=code)))
    order.refresh_from_db()
    one = create(order, 1, None)
    two = create(order, None, 2)
    for move in ("approve", "ship_back", "receive", "refund"):
        MOVES[move](two, staff)
    three = create(order, None, 1)  # the last unit: the whole order is claimed
    parts = [one.refund_amount, two.refund_amount, three.refund_amount]
    assert sum(parts) == order.total
    assert three.shipping_refund == order.shipping_amount
    # Lines' refund amounts in proportion to what they cost.
    goods = order.total - order.shipping_amount
    assert one.refund_amount == (goods * D("99.99") / order.subtotal).quantize(D("0.01"))


# --- rules of opening a request ---------------------------------------------------------------------


def test_one_open_request_per_line_and_never_more_than_bought(paid_order):
    order = paid_order(("10.00", 3), ("10.00", 1))
    create(order, 1)
    with pytest.raises(AfterSalesLineOpen):
        create(order, 1)
    with pytest.raises(AfterSalesLineOpen):
        create(order, 1, 1)
    other = create(order, None, 1)  # another line is free
    assert other.status == "requested"
    services.aftersales_request_cancel(other, actor=order.user)
    with pytest.raises(AfterSalesLineInvalid):
        create(order, None, 2)  # bought one


def test_claimed_units_count_against_later_requests(paid_order, staff):
    order = paid_order(("10.00", 3))
    request = create(order, 2)
    services.aftersales_request_reject(request, actor=staff, note="no")
    request = create(order, 3)  # rejected ones give the units back
    services.aftersales_request_approve(request, actor=staff)
    services.aftersales_request_ship_back(request, carrier="SF", tracking_number="4", actor=None)
    services.aftersales_request_receive(request, restock={}, actor=staff)
    services.aftersales_request_refund(request, actor=staff)
    with pytest.raises((AfterSalesLineInvalid, AfterSalesNotAllowed)):
        create(order, 1)


def test_eligibility(paid_order, user, other_user, place, variant, settings):
    unpaid = place(user, (variant, 1))
    with pytest.raises(AfterSalesNotAllowed):
        create(unpaid, 1, kind="refund_only")
    processing = paid_order(("10.00", 1), delivered=False)
    with pytest.raises(AfterSalesNotAllowed):
        create(processing, 1)  # a return needs delivered goods
    delivered = paid_order(("10.00", 1))
    with pytest.raises(AfterSalesOrderNotFound):
        services.aftersales_request_create(
            other_user,
            order_number=delivered.number,
            kind="refund_only",
            lines=lines_of(delivered, 1),
            reason="other",
        )
    Order.objects.filter(pk=delivered.pk).update(
        delivered_at=timezone.now() - timedelta(days=settings.AFTER_SALES_DAYS, hours=1)
    )
    with pytest.raises(AfterSalesWindowClosed):
        create(delivered, 1)
    with pytest.raises(AfterSalesLineInvalid):
        services.aftersales_request_create(
            user,
            order_number=processing.number,
            kind="refund_only",
            lines=[{"order_line_id": delivered.lines.get().pk, "quantity": 1}],
            reason="other",
        )


def test_nothing_left_to_refund_is_refused(paid_order, staff):
    from orders.services import order_refund_request

    order = paid_order(("10.00", 1), ("10.00", 1))
    order_refund_request(order, amount=order.total, reason="goodwill", actor=staff)
    with pytest.raises((RefundInvalid, AfterSalesNotAllowed)):
        create(order, 1)


# --- illegal moves ----------------------------------------------------------------------------------

MOVES = {
    "approve": lambda r, u: services.aftersales_request_approve(r, actor=u),
    "reject": lambda r, u: services.aftersales_request_reject(r, actor=u),
    "cancel": lambda r, u: services.aftersales_request_cancel(r, actor=u),
    "ship_back": lambda r, u: services.aftersales_request_ship_back(
        r, carrier="SF", tracking_number="5", actor=u
    ),
    "receive": lambda r, u: services.aftersales_request_receive(r, restock={}, actor=u),
    "refund": lambda r, u: services.aftersales_request_refund(r, actor=u),
    "close": lambda r, u: services.aftersales_request_close(r, actor=u),
}
# What each status allows, per kind; everything else is invalid_transition.
LEGAL = {
    ("return_and_refund", "requested"): {"approve", "reject", "cancel"},
    ("return_and_refund", "approved"): {"ship_back", "close"},
    ("return_and_refund", "returned"): {"receive"},
    ("return_and_refund", "received"): {"refund"},
    ("refund_only", "requested"): {"approve", "reject", "cancel"},
    ("refund_only", "approved"): {"refund"},
}
PATHS = {
    "requested": [],
    "approved": ["approve"],
    "returned": ["approve", "ship_back"],
    "received": ["approve", "ship_back", "receive"],
    "refunded_return": ["approve", "ship_back", "receive", "refund"],
    "refunded": ["approve", "refund"],
    "rejected": ["reject"],
    "cancelled": ["cancel"],
    "closed": ["approve", "close"],
}
CASES = [
    ("return_and_refund", "requested"),
    ("return_and_refund", "approved"),
    ("return_and_refund", "returned"),
    ("return_and_refund", "received"),
    ("return_and_refund", "refunded_return"),
    ("return_and_refund", "rejected"),
    ("return_and_refund", "cancelled"),
    ("return_and_refund", "closed"),
    ("refund_only", "requested"),
    ("refund_only", "approved"),
    ("refund_only", "refunded"),
]


@pytest.mark.parametrize(("kind", "state"), CASES)
def test_every_illegal_move_is_invalid_transition_and_changes_nothing(
    paid_order, staff, kind, state
):
    order = paid_order(("10.00", 2))
    request = create(order, 1, kind=kind)
    for step in PATHS[state]:
        MOVES[step](request, staff)
    request.refresh_from_db()
    status = request.status
    allowed = LEGAL.get((kind, status), set())
    for name, move in MOVES.items():
        if name in allowed:
            continue
        events = request.events.count()
        with pytest.raises(InvalidTransition) as caught:
            move(request, staff)
        assert caught.value.code == "invalid_transition"
        request.refresh_from_db()
        assert request.status == status
        assert request.events.count() == events


def test_ship_back_needs_carrier_and_number(paid_order, staff):
    order = paid_order(("10.00", 1))
    request = services.aftersales_request_approve(create(order, 1), actor=staff)
    with pytest.raises(ReturnShipmentInvalid):
        services.aftersales_request_ship_back(
            request, carrier=" ", tracking_number="1", actor=order.user
        )


# --- the Beat task ----------------------------------------------------------------------------------


def test_sweep_auto_approves_refund_only_and_closes_returns_never_sent(paid_order, staff):
    from aftersales.tasks import aftersales_sweep

    order = paid_order(("10.00", 1), ("20.00", 1), ("30.00", 1))
    old = timezone.now() - timedelta(days=4)
    untouched = create(order, 1, kind="refund_only", reason="not_received")
    fresh = create(order, None, 1, kind="refund_only", reason="not_received")
    approved_return = services.aftersales_request_approve(create(order, None, None, 1), actor=staff)
    AfterSalesRequest.objects.filter(pk=untouched.pk).update(created_at=old)
    AfterSalesRequest.objects.filter(pk=approved_return.pk).update(decided_at=old)

    outcomes = aftersales_sweep.delay().get()

    untouched.refresh_from_db()
    fresh.refresh_from_db()
    approved_return.refresh_from_db()
    assert (untouched.status, fresh.status, approved_return.status) == (
        "refunded",
        "requested",
        "closed",
    )
    assert outcomes == {"approved": 1, "refunded": 1, "closed": 1}
    assert untouched.events.get(to_status="approved").actor is None
    order.refresh_from_db()
    assert order.refunded_amount == D("10.00")
    # Closed lines are free again.
    create(order, None, None, 1)


# --- photos -----------------------------------------------------------------------------------------


def test_photos_are_validated(paid_order):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aftersales.tests.conftest import image_upload

    order = paid_order(("10.00", 1))
    with pytest.raises(ValidationError):
        create(order, 1, photos=[image_upload(f"{i}.png") for i in range(4)])
    with pytest.raises(ValidationError):
        create(order, 1, photos=[SimpleUploadedFile("x.png", b"not an image")])
    assert not AfterSalesRequest.objects.exists()
    request = create(order, 1, photos=[image_upload("a.png"), image_upload("b.jpg", "JPEG")])
    assert request.photos.count() == 2


def test_each_change_is_mailed_once_however_often_the_task_runs(paid_order):
    from aftersales.tasks import aftersales_email_send

    order = paid_order(("10.00", 1))
    request = create(order, 1)
    event = request.events.get()
    mail.outbox.clear()
    assert aftersales_email_send.delay(event.pk).get() is True
    assert aftersales_email_send.delay(event.pk).get() is False
    assert len(mail.outbox) == 1
    assert order.number in mail.outbox[0].body
    assert f"/after-sales/{request.pk}/" in mail.outbox[0].body

"""Races through the pages on PostgreSQL with real threads: a double-clicked "Place order", and the
buyer's "Cancel" pressed while the sandbox's "Pay" is pressed in another tab."""

import threading

import pytest
from django.db import connection
from django.test import Client

from orders.models import CartItem, Order, OrderEvent
from orders.tests.helpers import ADDRESS, stock_of
from payments.models import Payment

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


def _shopper(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("attempt", range(3))
def test_a_double_submitted_place_order_form_places_one_order(attempt, user, variant):
    shopper = _shopper(user)
    shopper.post("/cart/add/", {"variant_id": variant.pk, "quantity": 2})
    form = {
        "address_id": "new",
        **ADDRESS,
        "payment_method": "sandbox",
        "idempotency_key": f"page-double-{attempt}",
    }
    results = race(*(lambda: shopper.post("/checkout/", form) for _ in range(2)))
    assert all(getattr(r, "status_code", None) == 302 for r in results), results
    assert Order.objects.count() == 1
    order = Order.objects.get()
    assert {r["Location"] for r in results} == {f"/orders/{order.number}/"}
    assert stock_of(variant).quantity_allocated == 2


@pytest.mark.parametrize("attempt", range(3))
def test_cancel_pressed_while_the_sandbox_pay_is_pressed_ends_consistent(attempt, user, variant):
    shopper = _shopper(user)
    shopper.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
    placed = shopper.post(
        "/checkout/", {"address_id": "new", **ADDRESS, "payment_method": "sandbox"}
    )
    number = placed["Location"].split("/")[2]
    to_sandbox = shopper.post(f"/orders/{number}/pay/", {"payment_method": "sandbox"})
    assert to_sandbox.status_code == 302
    payment = Payment.objects.get()

    payer = Client()
    results = race(
        lambda: shopper.post(f"/orders/{number}/cancel/"),
        lambda: payer.post(f"/payments/sandbox/{payment.out_trade_no}/", {"action": "pay"}),
    )
    assert all(getattr(r, "status_code", 500) in (200, 302) for r in results), results
    order = Order.objects.get()
    payment.refresh_from_db()
    statuses = list(
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.STATUS)
        .order_by("pk")
        .values_list("to_status", flat=True)
    )
    stock = stock_of(variant)
    assert stock.quantity >= 0 and stock.quantity_allocated >= 0
    notes = set(
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.NOTE).values_list(
            "to_status", flat=True
        )
    )
    if order.status == Order.Status.CANCELLED:
        assert stock.quantity_allocated == 0 and stock.quantity == 10
        if payment.applied:
            # Paid first, then cancelled before shipping: the refund is recorded as owed.
            assert order.payment_status == Order.PaymentStatus.PAID
            assert statuses == ["pending", "processing", "cancelled"]
            assert "refund_due" in notes
        else:
            # Cancelled first: the money that came later is never applied; it goes straight back
            # (the sandbox refunds it) or the trade is closed before it is paid.
            assert payment.status in (Payment.Status.CLOSED, Payment.Status.REFUNDED)
            assert order.payment_status == Order.PaymentStatus.PENDING
            assert statuses == ["pending", "cancelled"]
            if payment.status == Payment.Status.REFUNDED:
                assert "late_payment" in notes
    else:
        assert order.status == Order.Status.PROCESSING
        assert payment.status == Payment.Status.SUCCEEDED and payment.applied
        assert stock.quantity_allocated == 1
    assert statuses[-1] == order.status


@pytest.mark.parametrize("attempt", range(4))
def test_add_to_cart_racing_place_order_loses_nothing(attempt, user, make_variant):
    first, second = make_variant(price="20.00", stock=5), make_variant(price="30.00", stock=5)
    shopper = _shopper(user)
    shopper.post("/cart/add/", {"variant_id": first.pk, "quantity": 1})
    other_tab = Client()
    other_tab.force_login(user)
    form = {"address_id": "new", **ADDRESS, "payment_method": "sandbox"}
    results = race(
        lambda: shopper.post("/checkout/", form),
        lambda: other_tab.post("/cart/add/", {"variant_id": second.pk, "quantity": 2}),
    )
    assert all(getattr(r, "status_code", 500) in (302, 400) for r in results), results
    order = Order.objects.get()
    ordered = dict(order.lines.values_list("variant_id", "quantity"))
    in_cart = dict(CartItem.objects.filter(cart__user=user).values_list("variant_id", "quantity"))
    # The second variant is in the order or still in the cart, never both and never lost.
    assert ordered.get(first.pk) == 1 and first.pk not in in_cart
    assert (ordered.get(second.pk, 0), in_cart.get(second.pk, 0)) in ((2, 0), (0, 2))
    assert stock_of(first).quantity_allocated == 1
    assert stock_of(second).quantity_allocated == ordered.get(second.pk, 0)
    expected = sum(line.unit_price * line.quantity for line in order.lines.all())
    assert order.subtotal == expected

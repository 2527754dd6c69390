"""Cart adds and paid orders tell the recommendations what happened, through catalog.suggestions
(orders may not import recommendations), once the write is committed."""

import pytest

from catalog import suggestions
from orders import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(monkeypatch):
    seen = []

    def record(kind, product_ids, *, user=None, visitor=""):
        seen.append((kind, sorted(product_ids), user, visitor))

    monkeypatch.setattr(suggestions._providers, "record", record)
    return seen


def test_paying_records_a_purchase_after_the_commit(
    user, make_variant, place, recorded, django_capture_on_commit_callbacks
):
    a, b = make_variant(), make_variant()
    order = place(user, (a, 1), (b, 2))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.order_mark_paid(order, gateway="sandbox", transaction_id="T1")
    assert recorded == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert ("purchase", sorted([a.product_id, b.product_id]), user, "") in recorded


def test_a_repeated_confirmation_records_nothing_more(
    user, variant, place, recorded, django_capture_on_commit_callbacks
):
    order = place(user, (variant, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.order_mark_paid(order, gateway="sandbox")
    with django_capture_on_commit_callbacks(execute=True):
        services.order_mark_paid(order, gateway="sandbox")
    assert [r[0] for r in recorded].count("purchase") == 1


def test_a_cart_add_records_a_cart_event(
    user, variant, fill_cart, recorded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fill_cart(user, (variant, 2))
    assert recorded == [("cart", [variant.product_id], user.pk, "")]


def test_a_guest_cart_add_records_the_cart_token(
    variant, recorded, django_capture_on_commit_callbacks
):
    cart = services.cart_get_or_create(user=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.cart_item_add(cart, variant_id=variant.pk, quantity=1)
    assert recorded == [("cart", [variant.product_id], None, str(cart.token))]

"""Refunds: staff may; a merchant only with `orders.can_refund` given to them (accounts.roles)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission

from orders.models import Order
from orders.permissions import user_may_refund
from orders.tests.helpers import at_status

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/"


def grant_refund(user):
    user.user_permissions.add(Permission.objects.get(codename="can_refund"))
    # has_perm caches the user's permissions on the instance: a fresh one reads them again.
    return type(user).objects.get(pk=user.pk)


def test_who_may_refund(user, merchant, staff, superuser):
    assert [user_may_refund(u) for u in (user, merchant, staff, superuser)] == [
        False,
        False,
        True,
        True,
    ]
    assert user_may_refund(grant_refund(merchant))
    merchant.is_active = False
    assert not user_may_refund(merchant)


def test_a_merchant_refunds_through_the_api_only_with_can_refund(
    merchant, merchant_client, user, variant, place, gateway_refund
):
    order = at_status(place(user, (variant, 1)), "processing")
    body = {"amount": "10.00", "reason": "damaged"}
    response = merchant_client.post(f"{URL}{order.number}/refund/", body, format="json")
    assert (response.status_code, response.data["code"]) == (403, "permission_denied")
    assert gateway_refund == []

    grant_refund(merchant)
    response = merchant_client.post(f"{URL}{order.number}/refund/", body, format="json")
    assert response.status_code == 200, response.data
    assert (response.data["payment_status"], response.data["refunded_amount"]) == (
        "partially_refunded",
        "10.00",
    )
    assert [(number, str(amount)) for number, amount, *_ in gateway_refund] == [
        (order.number, "10.00")
    ]


def test_staff_refund_through_the_api(staff_client, user, variant, place, gateway_refund):
    order = at_status(place(user, (variant, 1)), "processing")
    response = staff_client.post(f"{URL}{order.number}/refund/", {"amount": "5.00"}, format="json")
    assert response.status_code == 200


def test_the_admin_refund_actions_are_offered_only_with_can_refund(rf, merchant, staff):
    """The order admin's refund action (what it asks and does is tested with that admin): offered
    to staff, and to a merchant once given `can_refund`. The payment admin's: shop's tests."""
    model_admin = admin.site._registry[Order]

    def offered(who):
        request = rf.get("/admin/")
        request.user = who
        return "refund_orders" in model_admin.get_actions(request)

    assert not offered(merchant)
    assert offered(grant_refund(merchant))
    assert offered(staff)

"""Refunds through the gateway, reconciliation, the registry and who sees what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.testing.state import db_state
from orders.exceptions import RefundInvalid
from orders.models import Order
from orders.tests.helpers import stock_of
from payments.exceptions import GatewayDisabled, GatewayUnavailable
from payments.gateways import gateway_get
from payments.models import Payment, PaymentEvent, Refund, SandboxTrade
from payments.services import refund_create
from payments.tasks import payments_reconcile
from payments.tests.conftest import press, sandbox_paid_at_provider, start_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(user, variant, place):
    """A 100.00 order paid through the sandbox page."""
    order = place(user, (variant, 2))
    payment = start_payment(user, order)
    press(payment)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == ("processing", "succeeded")
    return order, payment


def test_partial_then_full_refund_by_staff(staff_client, user_client, paid, variant):
    order, payment = paid
    url = f"/api/v1/orders/{order.number}/refund/"
    before = db_state()
    assert user_client.post(url, {"amount": "10.00"}, format="json").status_code == 403
    assert db_state() == before

    response = staff_client.post(url, {"amount": "40.00", "reason": "damaged"}, format="json")
    assert response.status_code == 200, response.data
    assert (response.data["payment_status"], response.data["refunded_amount"]) == (
        "partially_refunded",
        "40.00",
    )
    payment.refresh_from_db()
    assert payment.status == "partially_refunded"
    assert SandboxTrade.objects.get().refunded == Decimal("40.00")  # the money really went back

    before = db_state()
    response = staff_client.post(url, {"amount": "60.01"}, format="json")
    assert (response.status_code, response.data["code"], response.data["refundable"]) == (
        400,
        "refund_invalid",
        "60.00",
    )
    assert db_state() == before

    response = staff_client.post(url, {"amount": "60.00"}, format="json")
    assert (response.data["status"], response.data["payment_status"]) == ("refunded", "refunded")
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert list(Refund.objects.order_by("pk").values_list("amount", "status")) == [
        (Decimal("40.00"), "succeeded"),
        (Decimal("60.00"), "succeeded"),
    ]
    # Refunded before shipping: the stock is back on the shelf.
    assert stock_of(variant).quantity_allocated == 0
    detail = user_client.get(f"/api/v1/payments/{payment.pk}/")
    assert (detail.data["status"], detail.data["refunded_amount"]) == ("refunded", "100.00")
    # Nothing left to refund.
    before = db_state()
    response = staff_client.post(url, {"amount": "0.01"}, format="json")
    assert response.status_code in (400, 409)
    assert db_state() == before


def test_refund_of_an_order_paid_without_a_gateway_payment_is_refused(
    staff_client, user, variant, place
):
    from orders.services import order_mark_paid

    order = order_mark_paid(place(user, (variant, 1)), gateway="sandbox")
    before = db_state()
    response = staff_client.post(
        f"/api/v1/orders/{order.number}/refund/", {"amount": "1.00"}, format="json"
    )
    assert (response.status_code, response.data["code"]) == (409, "payment_not_refundable")
    assert db_state() == before


def test_pending_refund_counts_against_the_limit(paid, staff, monkeypatch):
    """A refund the gateway has not settled yet still holds its amount."""
    from payments.gateways.base import GatewayError
    from payments.gateways.sandbox import SandboxGateway

    order, payment = paid

    def down(self, request):
        raise GatewayError("timeout")

    monkeypatch.setattr(SandboxGateway, "refund", down)
    refund = refund_create(payment, amount="70.00", actor=staff)
    assert refund.status == "pending"
    order.refresh_from_db()
    assert (order.payment_status, order.refunded_amount) == ("paid", Decimal("0.00"))
    with pytest.raises(RefundInvalid):
        refund_create(payment, amount="30.01", actor=staff)
    monkeypatch.undo()
    # Reconciliation asks again under the same out_request_no and settles it.
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert payments_reconcile()["refund_succeeded"] == 1
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "succeeded"
    assert (order.payment_status, order.refunded_amount) == ("partially_refunded", Decimal("70.00"))
    assert SandboxTrade.objects.get().refunded == Decimal("70.00")


def test_admin_refund_action_is_staff_only(staff, merchant, paid):
    order, payment = paid
    data = {"action": "refund_in_full", "_selected_action": [payment.pk]}
    merchant_admin = Client()
    merchant_admin.force_login(merchant)
    assert merchant_admin.get("/admin/payments/payment/").status_code == 200  # may view
    assert merchant_admin.get(f"/admin/payments/payment/{payment.pk}/change/").status_code == 200
    merchant_admin.post("/admin/payments/payment/", data)
    assert not Refund.objects.exists()
    staff_admin = Client()
    staff_admin.force_login(staff)
    staff_admin.post("/admin/payments/payment/", data)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("refunded", "refunded")
    assert Refund.objects.get().actor == staff


# --- Reconciliation ------------------------------------------------------------------------------------


def _age(payment, minutes=60):
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_reconcile_confirms_a_payment_whose_notify_was_lost(user, variant, place):
    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    # The payer paid at the provider; no notify reached us.
    from payments.models import SandboxTrade as T

    T.objects.filter(out_trade_no=payment.out_trade_no).update(
        state="SUCCESS", transaction_id="SBXLOST1", paid_at=timezone.now()
    )
    assert payments_reconcile() == {}  # too young: left alone
    _age(payment)
    assert payments_reconcile() == {"confirmed": 1}
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status, payment.transaction_id) == (
        "processing",
        "succeeded",
        "SBXLOST1",
    )
    assert payments_reconcile() == {}  # nothing open any more


def test_reconcile_closes_the_payment_of_an_expired_order(user, variant, place):
    from orders.tasks import orders_expire

    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    orders_expire()
    assert payments_reconcile() == {"closed": 1}
    payment.refresh_from_db()
    assert payment.status == "closed"
    assert SandboxTrade.objects.get().state == "CLOSED"  # closed at the gateway too
    # The payer can no longer pay it at the sandbox page.
    press(payment)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert not Refund.objects.exists()


def test_reconcile_of_a_young_open_payment_of_a_live_order_is_left_alone(user, variant, place):
    payment = start_payment(user, place(user, (variant, 1)))
    assert payments_reconcile() == {}
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_reconcile_is_registered_with_the_periodic_tasks(settings):
    tasks = {entry["task"] for entry in settings.PERIODIC_TASKS.values()}
    assert "payments.tasks.payments_reconcile" in tasks


# --- Registry, API -------------------------------------------------------------------------------------


def test_disabled_gateway_is_refused(user, user_client, variant, place):
    order = place(user, (variant, 1))
    before = db_state()
    response = user_client.post(
        f"/api/v1/orders/{order.number}/pay/", {"gateway": "alipay"}, format="json"
    )
    assert (response.status_code, response.data["code"]) == (400, "gateway_disabled")
    assert db_state() == before
    assert not Payment.objects.exists()


def test_enabled_gateway_without_settings_or_module_is_unavailable(
    settings, user, user_client, variant, place
):
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox", "wechat"]
    settings.WECHATPAY_MCHID = ""
    with pytest.raises(GatewayUnavailable):
        gateway_get("wechat")
    order = place(user, (variant, 1))
    response = user_client.post(
        f"/api/v1/orders/{order.number}/pay/", {"gateway": "wechat"}, format="json"
    )
    assert (response.status_code, response.data["code"]) == (400, "gateway_unavailable")
    assert not Payment.objects.exists()
    with pytest.raises(GatewayDisabled):
        gateway_get("nosuch")


def test_system_check_warns_about_an_unusable_gateway(settings):
    from payments.checks import gateways_check

    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox", "alipay", "bogus"]
    settings.ALIPAY_APP_ID = ""
    ids = {message.id for message in gateways_check()}
    assert {"payments.W001", "payments.W003"} <= ids
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox"]
    assert gateways_check() == []


def test_pem_text_takes_text_or_a_path(tmp_path):
    from payments.keys import pem_text

    pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
    assert pem_text(pem) == pem + "\n"
    assert pem_text(pem.replace("\n", "\\n")) == pem + "\n"
    assert pem_text(pem.replace("\n", "\r\n")) == pem + "\n"
    path = tmp_path / "key.pem"
    path.write_text(pem + "\n")
    assert pem_text(str(path)) == pem + "\n"
    assert pem_text("") == ""
    assert pem_text("-----BEGIN " + "A" * 5000).startswith("-----BEGIN")  # never stat()ed


def test_another_users_payment_is_404_and_staff_sees_it(user, other_user, paid, staff_client):
    from rest_framework.test import APIClient

    from conftest import bearer

    _, payment = paid
    other = APIClient()
    other.credentials(**bearer(other_user))
    response = other.get(f"/api/v1/payments/{payment.pk}/")
    assert (response.status_code, response.data["code"]) == (404, "payment_not_found")
    assert staff_client.get(f"/api/v1/payments/{payment.pk}/").status_code == 200
    assert APIClient().get(f"/api/v1/payments/{payment.pk}/").status_code == 401


def test_another_users_order_cannot_be_paid(user, other_user, variant, place):
    from rest_framework.test import APIClient

    from conftest import bearer

    order = place(user, (variant, 1))
    other = APIClient()
    other.credentials(**bearer(other_user))
    response = other.post(
        f"/api/v1/orders/{order.number}/pay/", {"gateway": "sandbox"}, format="json"
    )
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_paid_order_cannot_be_paid_again(user, user_client, paid):
    order, _ = paid
    response = user_client.post(
        f"/api/v1/orders/{order.number}/pay/", {"gateway": "sandbox"}, format="json"
    )
    assert (response.status_code, response.data["code"]) == (409, "order_not_payable")
    assert Payment.objects.count() == 1


def test_foreign_return_url_is_refused(user, user_client, variant, place):
    order = place(user, (variant, 1))
    response = user_client.post(
        f"/api/v1/orders/{order.number}/pay/",
        {"gateway": "sandbox", "return_url": "https://evil.example/x"},
        format="json",
    )
    assert response.status_code == 400 and "return_url" in response.data
    assert not Payment.objects.exists()


def test_payment_detail_query_count(user_client, paid, django_assert_max_num_queries):
    _, payment = paid
    with CaptureQueriesContext(connection) as queries:
        response = user_client.get(f"/api/v1/payments/{payment.pk}/")
    assert response.status_code == 200
    # user (token auth) + the payment with its order and refunded sum
    assert len(queries) <= 2, [q["sql"] for q in queries]


def test_switching_gateway_channel_closes_the_open_payment(user, variant, place):
    order = place(user, (variant, 1))
    first = start_payment(user, order)
    Payment.objects.filter(pk=first.pk).update(channel="other")
    second = start_payment(user, order)
    first.refresh_from_db()
    assert first.status == "closed" and second.status == "pending"
    assert SandboxTrade.objects.get(out_trade_no=first.out_trade_no).state == "CLOSED"
    assert Payment.objects.filter(order=order, status__in=Payment.OPEN).count() == 1
    assert PaymentEvent.objects.filter(payment=first, to_status="closed").count() == 1


def test_sandbox_paid_helper(user, variant, place):
    order = place(user, (variant, 1))
    payment = start_payment(user, order)
    sandbox_paid_at_provider(payment)
    order.refresh_from_db()
    assert order.status == "pending"  # the provider knows; we do not, until notify or query

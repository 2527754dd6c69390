"""The shopper's pay flow in pages: pay form on the order page -> gateway -> return page -> order."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from orders.models import Order
from orders.tests.helpers import at_status
from payments.models import Payment
from payments.services import PaymentStart

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(user):
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_pay_in_the_sandbox_and_land_on_the_paid_order(shopper, user, variant, place):
    order = place(user, (variant, 1))
    response = shopper.post(f"/orders/{order.number}/pay/", {"payment_method": "sandbox"})
    payment = Payment.objects.get(order=order)
    assert response.status_code == 302
    assert response["Location"] == f"/payments/sandbox/{payment.out_trade_no}/"
    page = shopper.get(response["Location"])
    assert 'data-testid="sandbox-pay"' in page.content.decode()

    back = shopper.post(response["Location"], {"action": "pay"})
    assert back["Location"] == f"http://testserver/orders/{order.number}/payment/"
    landed = shopper.get(back["Location"], follow=True)
    assert landed.redirect_chain[-1][0] == f"/orders/{order.number}/?paid=1"
    body = landed.content.decode()
    assert 'data-testid="order-status" data-status="processing"' in body
    assert "Thank you! Your payment was received." in body
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("processing", "paid")
    assert 'data-testid="pay"' not in body


def test_a_failed_sandbox_payment_shows_its_status_and_the_order_stays_payable(
    shopper, user, variant, place
):
    order = place(user, (variant, 1))
    start = shopper.post(f"/orders/{order.number}/pay/", {"payment_method": "sandbox"})
    back = shopper.post(start["Location"], {"action": "fail"})
    page = shopper.get(back["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-status="failed"' in body and "did not go through" in body
    assert "payment-status.js" not in body  # settled: nothing to poll
    detail = shopper.get(f"/orders/{order.number}/").content.decode()
    assert 'data-status="pending"' in detail and 'data-testid="pay"' in detail


def test_the_return_page_polls_an_open_payment(shopper, user, variant, place):
    order = place(user, (variant, 1))
    shopper.post(f"/orders/{order.number}/pay/", {"payment_method": "sandbox"})
    payment = Payment.objects.get(order=order)
    body = shopper.get(f"/orders/{order.number}/payment/").content.decode()
    assert f'data-poll-url="/api/v1/payments/{payment.pk}/"' in body
    assert f'data-done-url="/orders/{order.number}/"' in body
    assert "js/payment-status.js" in body and 'data-testid="payment-refresh"' in body
    # The polled endpoint answers a session (no token needed from the page's script).
    answer = shopper.get(f"/api/v1/payments/{payment.pk}/")
    assert answer.status_code == 200 and answer.json()["status"] == "pending"


def test_the_return_page_without_a_payment_goes_to_the_order(shopper, user, variant, place):
    order = place(user, (variant, 1))
    response = shopper.get(f"/orders/{order.number}/payment/")
    assert response["Location"] == f"/orders/{order.number}/"


def test_a_disabled_gateway_is_a_message(shopper, user, variant, place):
    order = place(user, (variant, 1))
    response = shopper.post(
        f"/orders/{order.number}/pay/", {"payment_method": "alipay"}, follow=True
    )
    assert "This payment method is not available." in messages_of(response)
    assert not Payment.objects.exists()


def test_a_paid_or_cancelled_order_cannot_be_paid_again(shopper, user, variant, place):
    order = at_status(place(user, (variant, 1)), "cancelled")
    response = shopper.post(
        f"/orders/{order.number}/pay/", {"payment_method": "sandbox"}, follow=True
    )
    assert response.status_code == 200
    assert "This order can no longer be paid." in messages_of(response)
    assert not Payment.objects.exists()


def test_another_users_order_and_payment_are_404(shopper, other_user, variant, place):
    from payments.tests.conftest import start_payment

    order = place(other_user, (variant, 1))
    payment = start_payment(other_user, order)
    assert (
        shopper.post(f"/orders/{order.number}/pay/", {"payment_method": "sandbox"}).status_code
        == 404
    )
    assert shopper.get(f"/orders/{order.number}/payment/").status_code == 404
    assert shopper.get(f"/payments/{payment.pk}/qr/").status_code == 404
    assert Payment.objects.filter(order=order).count() == 1


def test_pay_pages_need_a_login(user, variant, place):
    order = place(user, (variant, 1))
    client = Client()
    assert client.post(f"/orders/{order.number}/pay/")["Location"].startswith("/account/login/")
    assert client.get(f"/orders/{order.number}/payment/")["Location"].startswith("/account/login/")


def test_wechat_native_draws_the_qr_code_on_our_page(
    shopper, user, variant, place, monkeypatch, settings
):
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox", "wechat"]
    order = place(user, (variant, 1))
    code_url = "weixin://wxpay/bizpayurl?pr=TESTQR1"
    calls = []

    def fake_create(order, *, gateway, channel, actor, return_url, client_ip):
        calls.append((gateway, channel))
        payment = Payment.objects.create(
            order=order,
            gateway=gateway,
            channel=channel,
            amount=order.total,
            out_trade_no="PWXTEST0001",
            status=Payment.Status.PENDING,
            raw={"client": {"code_url": code_url}},
        )
        return PaymentStart(payment, {"code_url": code_url}, created=True)

    monkeypatch.setattr("payments.views.payment_create", fake_create)
    response = shopper.post(f"/orders/{order.number}/pay/", {"payment_method": "wechat"})
    payment = Payment.objects.get(order=order)
    assert calls == [("wechat", "native")]
    assert response["Location"] == f"/payments/{payment.pk}/qr/"
    body = shopper.get(response["Location"]).content.decode()
    assert 'data-testid="payment-qr"' in body
    assert "<svg" in body and 'class="qr-code"' in body
    assert code_url not in body  # drawn, not linked to any QR service
    assert "http" not in body.split('data-testid="payment-qr"')[1].split("</figure>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    assert f'data-poll-url="/api/v1/payments/{payment.pk}/"' in body

    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.SUCCEEDED)
    Order.objects.filter(pk=order.pk).update(status="processing", payment_status="paid")
    settled = shopper.get(f"/payments/{payment.pk}/qr/", follow=True)
    assert settled.redirect_chain[-1][0] == f"/orders/{order.number}/?paid=1"


def test_alipay_redirects_to_its_pay_url(shopper, user, variant, place, monkeypatch, settings):
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox", "alipay"]
    order = place(user, (variant, 1))
    seen = {}

    def fake_create(order, *, gateway, channel, actor, return_url, client_ip):
        seen.update(gateway=gateway, channel=channel, return_url=return_url)
        payment = Payment.objects.create(
            order=order,
            gateway=gateway,
            channel=channel,
            amount=order.total,
            out_trade_no="PALTEST01",
        )
        return PaymentStart(
            payment, {"pay_url": "https://openapi.alipay.com/gateway.do?x=1"}, created=True
        )

    monkeypatch.setattr("payments.views.payment_create", fake_create)
    response = shopper.post(f"/orders/{order.number}/pay/", {"payment_method": "alipay"})
    assert response["Location"] == "https://openapi.alipay.com/gateway.do?x=1"
    assert seen == {
        "gateway": "alipay",
        "channel": "page",
        "return_url": f"http://testserver/orders/{order.number}/payment/",
    }


def test_a_gateway_error_is_a_message(shopper, user, variant, place, monkeypatch):
    from payments.exceptions import GatewayFailed

    order = place(user, (variant, 1))

    def broken(*args, **kwargs):
        raise GatewayFailed()

    monkeypatch.setattr("payments.views.payment_create", broken)
    response = shopper.post(
        f"/orders/{order.number}/pay/", {"payment_method": "sandbox"}, follow=True
    )
    assert response.status_code == 200
    assert messages_of(response)


def test_a_replaced_payment_returns_to_the_order_without_a_thank_you(shopper, user, variant, place):
    order = place(user, (variant, 1))
    shopper.post(f"/orders/{order.number}/pay/", {"payment_method": "sandbox"})
    Payment.objects.filter(order=order).update(status=Payment.Status.CLOSED)
    response = shopper.get(f"/orders/{order.number}/payment/")
    assert response["Location"] == f"/orders/{order.number}/"
    assert not messages_of(response)

"""An outsider's odd addresses on the after-sales pages: 404, never a 500."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number", ["x%00y", "%00", "a" * 300])
def test_a_request_form_for_a_malformed_order_number_is_404(user, number):
    client = Client()
    client.force_login(user)
    assert client.get(f"/after-sales/new/{number}/").status_code == 404
    assert client.post(f"/after-sales/new/{number}/", {}).status_code == 404


def test_another_users_order_payment_and_request_are_404_and_untouched(
    user, other_user, paid_order
):
    from aftersales import services
    from aftersales.models import AfterSalesRequest
    from aftersales.tests.conftest import lines_of
    from orders.models import Order
    from payments.models import Payment

    order = paid_order(("20.00", 1))
    item = services.aftersales_request_create(
        user,
        order_number=order.number,
        kind="refund_only",
        lines=lines_of(order, 1),
        reason="wrong_item",
    )
    payment = Payment.objects.get(order=order)
    before = (
        list(Order.objects.values_list("status", "payment_status")),
        list(AfterSalesRequest.objects.values_list("status")),
        list(Payment.objects.values_list("status")),
    )
    intruder = Client()
    intruder.force_login(other_user)
    gets = [
        f"/orders/{order.number}/",
        f"/orders/{order.number}/payment/",
        f"/payments/{payment.pk}/qr/",
        f"/after-sales/{item.pk}/",
        f"/after-sales/{item.pk}/ship-back/",
        f"/after-sales/new/{order.number}/",
    ]
    posts = [
        f"/orders/{order.number}/cancel/",
        f"/orders/{order.number}/confirm-receipt/",
        f"/orders/{order.number}/pay/",
        f"/after-sales/{item.pk}/cancel/",
        f"/after-sales/{item.pk}/ship-back/",
        f"/after-sales/new/{order.number}/",
    ]
    for url in gets:
        assert intruder.get(url).status_code == 404, url
    for url in posts:
        assert (
            intruder.post(
                url, {"payment_method": "sandbox", "carrier": "SF", "tracking_number": "X1"}
            ).status_code
            == 404
        ), url
    after = (
        list(Order.objects.values_list("status", "payment_status")),
        list(AfterSalesRequest.objects.values_list("status")),
        list(Payment.objects.values_list("status")),
    )
    assert after == before
    assert order.number not in intruder.get("/orders/").content.decode()
    assert f"/after-sales/{item.pk}/" not in intruder.get("/after-sales/").content.decode()

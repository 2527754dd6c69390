"""Every state-changing page is a POST behind CSRF: a forged POST from another site is a 403 and
a GET (a link, an <img>) is a 405 or the page; neither changes anything."""

import pytest
from django.test import Client

from accounts.services import address_create
from orders.models import Cart, CartItem, Order
from orders.tests.conftest import (  # noqa: F401  (fixtures)
    _shop_settings,
    make_coupon,
    make_variant,
    warehouse,
)
from orders.tests.helpers import ADDRESS
from promotions.models import UserCoupon
from recommendations.models import Favourite

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(user, make_variant, make_coupon):  # noqa: F811  (the fixtures imported above)
    variant = make_variant(price="50.00", stock=10)
    setup = Client()
    setup.force_login(user)
    setup.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
    placed = setup.post("/checkout/", {"address_id": "new", **ADDRESS, "payment_method": "sandbox"})
    number = placed["Location"].split("/")[2]
    setup.post("/cart/add/", {"variant_id": variant.pk, "quantity": 2})
    address_create(user, **ADDRESS)
    coupon = make_coupon(user)
    return {
        "variant": variant,
        "number": number,
        "item": CartItem.objects.get(),
        "template": coupon.template,
    }


def _snapshot():
    return (
        list(Order.objects.values_list("number", "status", "payment_status")),
        list(CartItem.objects.values_list("pk", "quantity")),
        Cart.objects.count(),
        Favourite.objects.count(),
        UserCoupon.objects.count(),
    )


def _posts(world):
    v, n, item = world["variant"], world["number"], world["item"]
    return [
        ("/cart/add/", {"variant_id": v.pk, "quantity": 1}),
        (f"/cart/items/{item.pk}/", {"quantity": 5}),
        (f"/cart/items/{item.pk}/remove/", {}),
        ("/cart/coupon/", {"coupon_code": world["template"].code}),
        ("/checkout/", {"address_id": "new", **ADDRESS, "payment_method": "sandbox"}),
        (f"/orders/{n}/cancel/", {}),
        (f"/orders/{n}/confirm-receipt/", {}),
        (f"/orders/{n}/pay/", {"payment_method": "sandbox"}),
        (f"/favourites/{v.product_id}/toggle/", {}),
        ("/account/history/clear/", {}),
        (f"/account/coupons/{world['template'].pk}/claim/", {}),
        (f"/p/{v.product.slug}/review/", {"rating": 5, "body": "x"}),
    ]


def test_a_forged_post_without_the_csrf_token_is_refused_and_changes_nothing(user, world):
    forger = Client(enforce_csrf_checks=True)
    forger.force_login(user)
    before = _snapshot()
    for url, data in _posts(world):
        assert forger.post(url, data).status_code == 403, url
    assert _snapshot() == before


def test_a_get_of_a_state_changing_address_changes_nothing(user, world):
    client = Client()
    client.force_login(user)
    before = _snapshot()
    for url, data in _posts(world):
        response = client.get(url, data)
        assert response.status_code in (200, 302, 405), url
    assert _snapshot() == before


def test_a_forged_press_on_the_sandbox_page_is_refused(user, world, settings):
    from payments.models import Payment

    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox"]
    client = Client()
    client.force_login(user)
    assert (
        client.post(f"/orders/{world['number']}/pay/", {"payment_method": "sandbox"}).status_code
        == 302
    )
    payment = Payment.objects.get()
    forger = Client(enforce_csrf_checks=True)
    for action in ("pay", "fail"):
        response = forger.post(f"/payments/sandbox/{payment.out_trade_no}/", {"action": action})
        assert response.status_code == 403
        assert (
            Client()
            .get(f"/payments/sandbox/{payment.out_trade_no}/", {"action": action})
            .status_code
            == 200
        )
    payment.refresh_from_db()
    assert payment.status in Payment.OPEN

"""Fixtures of the payments tests: orders' stocked variants and placed orders, and helpers that
pay through the sandbox gateway the way a client and the sandbox page would."""

import time

import pytest
from django.test import Client

from orders.tests.conftest import (  # noqa: F401  (fixtures)
    _shop_settings,
    fill_cart,
    make_variant,
    place,
    variant,
    warehouse,
)
from payments.gateways import gateway_get
from payments.gateways.sandbox import canonical, sign

NOTIFY_URL = "/api/v1/payments/sandbox/notify/"


@pytest.fixture(autouse=True)
def _payment_settings(settings):
    settings.SITE_URL = "http://testserver"
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox"]
    settings.PAYMENTS_AUTO_REFUND_LATE = True
    settings.PAYMENTS_RECONCILE_AFTER_MINUTES = 10


def start_payment(user, order):
    """A sandbox payment of `order` as its owner starts it (the service the pay endpoint calls)."""
    from payments.services import payment_create

    return payment_create(order, gateway="sandbox", actor=user).payment


def notify_body(payment, *, state="SUCCESS", amount=None, transaction_id="SBXTEST1"):
    return canonical(
        {
            "out_trade_no": payment.out_trade_no,
            "trade_state": state,
            "amount": str(payment.amount if amount is None else amount),
            "transaction_id": transaction_id,
        }
    )


def post_notify(body, *, timestamp=None, signature=None, client=None):
    """POST a sandbox notify to our endpoint, signed as the sandbox signs unless told otherwise."""
    from django.conf import settings

    stamp = str(int(time.time()) if timestamp is None else timestamp)
    if signature is None:
        signature = sign(settings.SECRET_KEY, stamp, body)
    return (client or Client()).post(
        NOTIFY_URL,
        data=body,
        content_type="application/json",
        HTTP_X_SANDBOX_TIMESTAMP=stamp,
        HTTP_X_SANDBOX_SIGNATURE=signature,
    )


def sandbox_paid_at_provider(payment):
    """The payer paid at the sandbox but the notify never arrived (for reconciliation)."""
    gateway = gateway_get("sandbox")
    assert gateway.press(payment.out_trade_no, pay=True) is not None


def press(payment, action="pay"):
    """Press a button of the sandbox page (the payer at the provider)."""
    return Client().post(f"/payments/sandbox/{payment.out_trade_no}/", {"action": action})

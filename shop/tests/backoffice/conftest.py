"""Fixtures of the back-office tests: the orders tests' stocked variants and placed orders, and the
sandbox gateway enabled (orders are paid through it)."""

import pytest

from orders.tests.conftest import (  # noqa: F401  (fixtures)
    _shop_settings,
    fill_cart,
    make_variant,
    place,
    variant,
    warehouse,
)


@pytest.fixture(autouse=True)
def _payment_settings(settings):
    settings.SITE_URL = "http://testserver"
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox"]

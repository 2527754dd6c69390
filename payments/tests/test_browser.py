"""Paying in a real headless Chromium: the return page's own script polls the payment."""

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from orders.tests.test_browser import PASSWORD, css, fill, wait_for_path
from payments.gateways import gateway_get
from payments.services import payment_notify_handle


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_return_page_polls_until_the_payment_settles(page, make_variant, user, place):
    """The gateway's notify arrives after the buyer came back: the page's script sees the payment
    settle (GET /api/v1/payments/{id}/ with the session) and shows the paid order."""
    stocked = make_variant(price="60.00", stock=10)
    user.set_password(PASSWORD)
    user.save()
    order = place(user, (stocked, 1))
    driver = page.open("/account/login/")
    fill(driver, username=user.username, password=PASSWORD)
    css(driver, "[data-testid=login-submit]").click()
    wait_for_path(driver, lambda url: url.endswith("/account/"))

    driver = page.open(f"/orders/{order.number}/")
    css(driver, "[data-testid=pay]").click()
    wait_for_path(driver, lambda url: "/payments/sandbox/" in url)
    out_trade_no = driver.current_url.rstrip("/").rsplit("/", 1)[-1]
    driver = page.open(f"/orders/{order.number}/payment/")
    state = css(driver, "[data-testid=payment-state]")
    assert state.get_attribute("data-status") == "pending"
    assert state.get_attribute("data-poll-url").startswith("/api/v1/payments/")

    # The provider settles the trade and notifies the shop, as the sandbox page would.
    callback = gateway_get("sandbox").press(out_trade_no, pay=True)
    payment_notify_handle("sandbox", callback)

    WebDriverWait(driver, 15).until(
        lambda d: d.current_url.endswith(f"/orders/{order.number}/?paid=1")
    )
    status = css(driver, "[data-testid=order-status]")
    assert status.get_attribute("data-status") == "processing"
    assert page.console_errors() == []

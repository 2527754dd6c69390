"""The dashboard in a real headless Chromium: staff log in at /admin/ and see both charts."""

from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from accounts.tests.factories import DEFAULT_PASSWORD, StaffFactory
from catalog.tests.factories import VariantFactory
from shop.tests.test_dashboard import make_order


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_log_in_and_see_both_charts(page):
    staff = StaffFactory()
    variant = VariantFactory(price=Decimal("88.00"), product__name="Jade bowl")
    for days_ago, qty in ((0, 2), (1, 1), (4, 3), (9, 1)):
        make_order(variant, qty, status="delivered", payment_status="paid", days_ago=days_ago)
    make_order(variant, 1, status="processing", payment_status="paid")

    driver = page.open("/admin/")
    driver.find_element(By.NAME, "username").send_keys(staff.username)
    driver.find_element(By.NAME, "password").send_keys(DEFAULT_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=dashboard]")
    )

    revenue = driver.find_element(By.CSS_SELECTOR, "svg[data-testid=revenue-chart]")
    status = driver.find_element(By.CSS_SELECTOR, "svg[data-testid=status-chart]")
    for chart in (revenue, status):
        assert chart.is_displayed() and chart.size["width"] > 300 and chart.size["height"] > 100
    drawn = [
        bar for bar in revenue.find_elements(By.CSS_SELECTOR, "rect.bar") if bar.size["height"] > 0
    ]
    assert len(drawn) == 4  # four days with revenue
    assert status.find_element(By.CSS_SELECTOR, "g[data-status=delivered] text.value").text == "4"
    assert driver.find_element(By.CSS_SELECTOR, "[data-testid=awaiting-shipment]").text == "1"
    page.resize(1280, 1800)
    page.shot("dashboard")
    assert page.console_errors() == []

"""The request form in a real headless Chromium: log in, ask for a refund, land on its page."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from aftersales.models import AfterSalesRequest

PASSWORD = "plum-blossom-77"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_request_form_to_detail_page_in_a_browser(page, user, paid_order):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    order = paid_order(("20.00", 2), ("35.00", 1))
    first = order.lines.order_by("pk").first()

    driver = page.open("/account/login/")
    driver.find_element(By.NAME, "username").send_keys(user.username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "[data-testid=login-submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "/account/login/" not in d.current_url)

    driver = page.open(f"/after-sales/new/{order.number}/")
    assert "Request a refund" in driver.title
    quantity = driver.find_element(By.NAME, f"quantity_{first.pk}")
    quantity.clear()
    quantity.send_keys("2")
    driver.find_element(By.CSS_SELECTOR, "input[name=kind][value=return_and_refund]").click()
    Select(driver.find_element(By.NAME, "reason")).select_by_value("damaged")
    driver.find_element(By.CSS_SELECTOR, "textarea[name=description]").send_keys(
        "Both cups arrived broken."
    )
    page.shot("aftersales-form")
    driver.find_element(By.CSS_SELECTOR, "[data-testid=aftersales-submit]").click()
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=aftersales-status]")
    )

    created = AfterSalesRequest.objects.get()
    assert driver.current_url.endswith(f"/after-sales/{created.pk}/")
    status = driver.find_element(By.CSS_SELECTOR, "[data-testid=aftersales-status]")
    assert status.get_attribute("data-status") == "requested"
    timeline = driver.find_elements(By.CSS_SELECTOR, "[data-testid=aftersales-timeline] li")
    assert len(timeline) == 1
    amount = driver.find_element(By.CSS_SELECTOR, "[data-testid=aftersales-amount]").text
    assert "40.00" in amount
    assert page.console_errors() == []
    page.shot("aftersales")

    driver.find_element(By.CSS_SELECTOR, "[data-testid=aftersales-cancel]").click()
    WebDriverWait(driver, 10).until(staleness_of(status))
    status = driver.find_element(By.CSS_SELECTOR, "[data-testid=aftersales-status]")
    assert status.get_attribute("data-status") == "cancelled"
    created.refresh_from_db()
    assert created.status == "cancelled"

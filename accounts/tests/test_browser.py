"""The account pages in a real headless Chromium: CSRF cookies, sessions, redirects, console."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import User

PASSWORD = "plum-blossom-77"


def fill(driver, **fields):
    for name, value in fields.items():
        field = driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_register_logout_and_login_again_in_a_browser(page):
    driver = page.open("/account/register/")
    fill(
        driver,
        username="meimei",
        email="meimei@example.com",
        password1=PASSWORD,
        password2=PASSWORD,
    )
    driver.find_element(By.CSS_SELECTOR, "[data-testid=register-submit]").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/account/"))

    assert driver.current_url.endswith("/account/")
    assert driver.find_element(By.CSS_SELECTOR, "[data-testid=profile-username]").text == "meimei"
    assert User.objects.get(username="meimei").role == "customer"
    assert page.console_errors() == []

    driver.find_element(By.CSS_SELECTOR, "[data-testid=logout]").click()
    WebDriverWait(driver, 10).until(lambda d: not d.current_url.endswith("/account/"))
    assert driver.current_url == page.base + "/"  # logout lands on the home page
    assert driver.find_element(By.CSS_SELECTOR, "a[href='/account/login/']")
    assert page.console_errors() == []
    driver = page.open("/account/")
    assert "/account/login/" in driver.current_url  # logged out: the profile asks for a login

    fill(driver, username="meimei@example.com", password=PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "[data-testid=login-submit]").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/account/"))
    assert driver.current_url.endswith("/account/")
    role = driver.find_element(By.CSS_SELECTOR, "[data-testid=profile-role]")
    assert role.get_attribute("data-role") == "customer"

    driver = page.open("/account/addresses/")
    assert driver.find_elements(By.CSS_SELECTOR, "[data-testid=address-add]")
    assert page.console_errors() == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_page_loads_cleanly_with_favicon_and_stylesheet(page):
    driver = page.open("/account/login/")
    assert driver.find_element(
        By.CSS_SELECTOR, "header form[action='/search/'] input[type=search][name=q]"
    )
    assert driver.find_element(By.CSS_SELECTOR, "header a[href='/cart/']")
    assert len(driver.find_elements(By.TAG_NAME, "main")) == 1
    # The stylesheet applied (our header has a bottom border), and nothing failed to load.
    header = driver.find_element(By.CSS_SELECTOR, "header.site-header")
    assert header.value_of_css_property("border-bottom-style") == "solid"
    assert page.console_errors() == []

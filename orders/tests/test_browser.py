"""The shopping journey from cart to paid order in a real headless Chromium: a guest's cart survives
registration, checkout with a claimed coupon, paying in the sandbox, a second order cancelled, the
key steps at a 375 px phone width, screenshots, and no console errors on any page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from catalog.models import Product
from orders.models import Order
from promotions.models import CouponTemplate

PASSWORD = "plum-blossom-77"
ADDRESS = {
    "full_name": "王小明",
    "phone": "13800138000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "street": "文三路 100 号",
    "postal_code": "310012",
}

# The product page's add-to-cart form as the storefront contract has it (variant_id, quantity,
# next), POSTed from whatever page is open: the browser sends its own CSRF token, as a page would.
ADD_TO_CART_JS = """
const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
const form = document.createElement("form");
form.method = "post";
form.action = "/cart/add/";
for (const [name, value] of Object.entries({
  csrfmiddlewaretoken: token, variant_id: arguments[0], quantity: arguments[1], next: "/cart/"
})) {
  const input = document.createElement("input");
  input.type = "hidden"; input.name = name; input.value = value;
  form.appendChild(input);
}
document.body.appendChild(form);
form.submit();
"""


def css(driver, selector):
    return driver.find_element(By.CSS_SELECTOR, selector)


def fill(driver, **fields):
    for name, value in fields.items():
        field = driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)


def wait_for_path(driver, predicate):
    WebDriverWait(driver, 10).until(lambda d: predicate(d.current_url))


def add_to_cart(page, variant, quantity):
    driver = page.open("/cart/")
    driver.execute_script(ADD_TO_CART_JS, variant.pk, quantity)
    wait_for_path(driver, lambda url: url.endswith("/cart/"))
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=cart-line]")
    )
    return driver


def fits_the_width(driver) -> bool:
    """Nothing wider than the window: no sideways scrolling on a phone."""
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.fixture
def stocked(make_variant):
    variant = make_variant(price="60.00", stock=10)
    Product.objects.filter(pk=variant.product_id).update(in_stock=True)
    return variant


@pytest.fixture
def claimable_coupon(db):
    now = timezone.now()
    return CouponTemplate.objects.create(
        name="Welcome",
        code="WELCOME15",
        kind="fixed",
        value=Decimal("15.00"),
        valid_from=now - timedelta(days=1),
        valid_to=now + timedelta(days=30),
        total_quantity=10,
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_guest_cart_to_paid_order_and_a_cancelled_second_order(page, stocked, claimable_coupon):
    # A guest adds to the cart.
    driver = add_to_cart(page, stocked, 2)
    line = css(driver, "[data-testid=cart-line]")
    assert line.get_attribute("data-quantity") == "2"
    assert page.console_errors() == []

    # Registers (the register page logs in); the cart survives.
    driver = page.open("/account/register/?next=/cart/")
    fill(driver, username="shopper1", email="shopper1@example.com")
    fill(driver, password1=PASSWORD, password2=PASSWORD)
    css(driver, "[data-testid=register-submit]").click()
    wait_for_path(driver, lambda url: url.endswith("/cart/"))
    lines = driver.find_elements(By.CSS_SELECTOR, "[data-testid=cart-line]")
    assert [el.get_attribute("data-quantity") for el in lines] == ["2"]

    # Claims a coupon under "my coupons", applies it in the cart.
    driver = page.open("/account/coupons/")
    css(driver, "[data-testid=claim-coupon]").click()
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=my-coupon][data-code=WELCOME15]")
    )
    driver = page.open("/cart/")
    fill(driver, coupon_code="WELCOME15")
    css(driver, "[data-testid=coupon-apply]").click()
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=discount]")
    )
    # 120.00 - 15.00 = 105.00: free shipping, no tax in these tests.
    assert css(driver, "[data-testid=cart-total]").get_attribute("data-total") == "105.00"
    page.shot("cart")
    assert page.console_errors() == []

    # Checks out with a new address; the totals are shown before placing.
    css(driver, "[data-testid=checkout]").click()
    wait_for_path(driver, lambda url: url.endswith("/checkout/"))
    assert css(driver, "[data-testid=cart-total]").get_attribute("data-total") == "105.00"
    assert css(driver, "#payment-sandbox").is_selected()
    fill(driver, **ADDRESS)
    page.shot("checkout")
    css(driver, "[data-testid=place-order]").click()
    wait_for_path(driver, lambda url: "/orders/" in url)
    order = Order.objects.get(user__username="shopper1")
    assert driver.current_url.endswith(f"/orders/{order.number}/")
    assert order.total == Decimal("105.00") and order.coupon_code == "WELCOME15"
    assert css(driver, "[data-testid=order-status]").get_attribute("data-status") == "pending"

    # Pays in the sandbox and lands on the order, now paid, with its timeline.
    css(driver, "[data-testid=pay]").click()
    wait_for_path(driver, lambda url: "/payments/sandbox/" in url)
    page.shot("sandbox")
    css(driver, "[data-testid=sandbox-pay]").click()
    wait_for_path(driver, lambda url: f"/orders/{order.number}/" in url and "/payment" not in url)
    status = css(driver, "[data-testid=order-status]")
    assert status.get_attribute("data-status") == "processing"
    events = driver.find_elements(By.CSS_SELECTOR, "[data-testid=order-timeline] > li")
    assert len(events) == order.events.count() >= 3  # placed, paid, processing
    assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid=pay]")
    page.shot("order")
    assert page.console_errors() == []

    # A second order at a phone's width, cancelled.
    page.resize(375, 800)
    driver = add_to_cart(page, stocked, 1)
    assert fits_the_width(driver)
    page.shot("cart-375")
    css(driver, "[data-testid=checkout]").click()
    wait_for_path(driver, lambda url: url.endswith("/checkout/"))
    assert fits_the_width(driver)
    # The address saved with the first order is chosen by default.
    assert (
        driver.find_element(By.CSS_SELECTOR, "input[name=address_id]:checked").get_attribute(
            "value"
        )
        != "new"
    )
    page.shot("checkout-375")
    css(driver, "[data-testid=place-order]").click()
    wait_for_path(driver, lambda url: "/orders/" in url and url.endswith("/"))
    second = Order.objects.filter(user__username="shopper1").exclude(pk=order.pk).get()
    assert driver.current_url.endswith(f"/orders/{second.number}/")
    assert fits_the_width(driver)
    css(driver, "[data-testid=cancel-order]").click()
    WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, "[data-testid=order-status]").get_attribute(
                "data-status"
            )
            == "cancelled"
        )
    )
    page.shot("order-375")
    second.refresh_from_db()
    assert second.status == "cancelled"

    driver = page.open("/orders/")
    assert fits_the_width(driver)
    rows = driver.find_elements(By.CSS_SELECTOR, "[data-testid=order-row]")
    assert [r.get_attribute("data-number") for r in rows] == [second.number, order.number]
    assert page.console_errors() == []

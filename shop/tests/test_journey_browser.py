"""The whole shopping journey in one go, in a real headless Chromium against the live server.

Each app's browser tests cover its own pages; this one walks from the home page to a paid order and a
cancelled second one the way a shopper does (links, forms, the product page's own add-to-cart form),
checking money to the cent, stock counts and console errors on every page; then the same at a phone's
375 px width, and a product page in Chinese and in English. Screenshots journey-* for a person."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from catalog import services as catalog_services
from catalog.models import ProductVariant
from catalog.tests.conftest import give_stock
from catalog.tests.factories import BrandFactory, CategoryFactory
from inventory.models import Stock
from orders.models import Cart, CartItem, Order
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
WAIT = 10


@pytest.fixture(autouse=True)
def _money_settings(settings):
    """Known money rules: 6 % tax on the discounted amount, 10.00 shipping under 99.00."""
    settings.TAX_RATE = Decimal("0.06")
    settings.SHIPPING_FLAT_FEE = Decimal("10.00")
    settings.SHIPPING_FREE_THRESHOLD = Decimal("99.00")
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox"]
    settings.CART_MAX_LINE_QUANTITY = 99
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _product(name, price, *, stock, category, brand, slug, **fields):
    product = catalog_services.product_create(
        name=name,
        slug=slug,
        category=category,
        brand=brand,
        variants=[{"sku": f"{slug.upper()}-STD", "name": "Standard", "price": Decimal(price)}],
        **fields,
    )
    if stock:
        give_stock(product.variants.get(), stock)
    return product


@pytest.fixture
def shop(db):
    """A kitchen category: a kettle with a dearer Large variant, a mug, an out-of-stock teapot, a
    blender above the price range and a sticker below it; a coupon anyone may claim."""
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    acme = BrandFactory(name="Acme", slug="acme")
    kettle = _product(
        "Kettle",
        "129.00",
        stock=5,
        category=kitchen,
        brand=acme,
        slug="kettle",
        description="Boils a litre in three minutes.",
    )
    large = catalog_services.variant_create(
        kettle, sku="KETTLE-XL", name="Large", price=Decimal("149.90")
    )
    give_stock(large, 3)
    _product("Teapot", "59.00", stock=0, category=kitchen, brand=acme, slug="teapot")
    _product("Mug", "19.90", stock=5, category=kitchen, brand=acme, slug="mug")
    _product("Blender", "899.00", stock=2, category=kitchen, brand=acme, slug="blender")
    _product("Sticker", "5.00", stock=9, category=kitchen, brand=acme, slug="sticker")
    now = timezone.now()
    CouponTemplate.objects.create(
        name="Welcome",
        code="WELCOME15",
        kind="fixed",
        value=Decimal("15.00"),
        valid_from=now - timedelta(days=1),
        valid_to=now + timedelta(days=30),
        total_quantity=10,
    )
    return {"large": large, "mug": ProductVariant.objects.get(sku="MUG-STD")}


# --- helpers -----------------------------------------------------------------------------------------


def css(driver, selector):
    return driver.find_element(By.CSS_SELECTOR, selector)


def fill(driver, **fields):
    for name, value in fields.items():
        field = driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)


def wait_url(driver, predicate):
    WebDriverWait(driver, WAIT).until(lambda d: predicate(d.current_url))


def wait_for(driver, selector):
    return WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, selector))


def result_names(driver):
    return [
        e.text
        for e in driver.find_elements(
            By.CSS_SELECTOR, "[data-testid=search-results] .product-card-name"
        )
    ]


def allocated(variant):
    return Stock.objects.get(variant=variant).quantity_allocated


def on_hand(variant):
    return Stock.objects.get(variant=variant).quantity


class Journey:
    """One shopper's walk; `check()` after each page: no console errors, a screenshot, and at a
    phone's width no sideways scrolling."""

    def __init__(self, page, width=None):
        self.page = page
        self.driver = page.driver
        self.width = width
        if width:
            page.resize(width, 800)

    def check(self, name):
        assert self.page.console_errors() == [], name
        if self.width:
            fits = self.driver.execute_script(
                "return document.documentElement.scrollWidth"
                " <= document.documentElement.clientWidth"
            )
            assert fits, f"{name} scrolls sideways at {self.width} px"
        self.page.shot(f"journey-{name}" + (f"-{self.width}" if self.width else ""))

    def add_from_product_page(self):
        """Click the product page's own add-to-cart form, then go to the cart from the header."""
        driver = self.driver
        product_url = driver.current_url
        css(driver, "[data-testid=add-to-cart]").click()
        wait_for(driver, ".message-success")
        assert driver.current_url == product_url  # the form's `next`: back on the product
        css(driver, "header a.cart-link").click()
        wait_url(driver, lambda url: url.endswith("/cart/"))


def walk(page, shop, width=None):
    j = Journey(page, width)
    large, mug = shop["large"], shop["mug"]

    # A guest opens the home page and follows a category link.
    driver = page.open("/")
    j.check("home")
    css(driver, "nav.home-categories a[href='/c/kitchen/']").click()
    wait_url(driver, lambda url: url.endswith("/c/kitchen/"))
    assert sorted(result_names(driver)) == ["Blender", "Kettle", "Mug", "Sticker", "Teapot"]
    j.check("category")

    # Filters: a price range and in stock only, through the filter form.
    fill(driver, min_price="10", max_price="200")
    css(driver, "label[for=filter-in-stock]").click()
    css(driver, "[data-testid=apply-filters]").click()
    wait_url(driver, lambda url: "max_price=200" in url)
    assert "min_price=10" in driver.current_url and "in_stock=true" in driver.current_url
    assert sorted(result_names(driver)) == ["Kettle", "Mug"]
    assert css(driver, "[data-testid=result-count]").get_attribute("data-count") == "2"

    # Sorts, dearest first: the filters stay.
    Select(css(driver, "#filter-ordering")).select_by_value("price")
    css(driver, "[data-testid=apply-filters]").click()
    wait_url(driver, lambda url: "ordering=price" in url)
    assert result_names(driver) == ["Mug", "Kettle"]
    Select(css(driver, "#filter-ordering")).select_by_value("-price")
    css(driver, "[data-testid=apply-filters]").click()
    wait_url(driver, lambda url: "ordering=-price" in url)
    assert result_names(driver) == ["Kettle", "Mug"]
    assert "max_price=200" in driver.current_url and "in_stock=true" in driver.current_url
    assert css(driver, "#filter-in-stock").is_selected()
    j.check("category-filtered")

    # Searches with a typo in the header's box, follows "did you mean".
    box = css(driver, "header input[type=search][name=q]")
    box.clear()
    box.send_keys("ketle")
    box.submit()
    wait_url(driver, lambda url: "/search/" in url and "q=ketle" in url)
    suggestion = css(driver, "[data-testid=search-suggestion]")
    correction = suggestion.find_element(By.CSS_SELECTOR, "[data-testid=search-correction]")
    assert correction.text == "kettle"
    j.check("search-typo")
    correction.click()
    wait_url(driver, lambda url: "q=kettle" in url)
    assert result_names(driver) == ["Kettle"]
    assert css(driver, "header input[name=q]").get_attribute("value") == "kettle"
    j.check("search")

    # Opens the product, picks the Large variant: the shown price follows; adds two to the cart.
    css(driver, "[data-testid=search-results] a[href='/p/kettle/']").click()
    wait_url(driver, lambda url: url.endswith("/p/kettle/"))
    price = css(driver, "[data-testid=product-price]")
    assert price.text == "¥129.00"
    radio = css(driver, f"input[name=variant_id][value='{large.pk}']")
    assert not radio.is_selected()
    css(driver, f"label[for='{radio.get_attribute('id')}']").click()
    WebDriverWait(driver, WAIT).until(lambda d: price.text == "¥149.90")
    assert radio.is_selected()
    fill(driver, quantity="2")
    j.check("product")
    j.add_from_product_page()
    lines = driver.find_elements(By.CSS_SELECTOR, "[data-testid=cart-line]")
    assert [
        (el.get_attribute("data-variant-id"), el.get_attribute("data-quantity")) for el in lines
    ] == [(str(large.pk), "2")]
    # 2 x 149.90 = 299.80, 6 % tax 17.99 (17.988), free shipping: 317.79.
    assert css(driver, "[data-testid=cart-total]").get_attribute("data-total") == "317.79"
    j.check("cart-guest")

    # Registers from the header; the register page logs in; the cart survived the login.
    css(driver, "header a[href='/account/register/']").click()
    wait_url(driver, lambda url: "/account/register/" in url)
    j.check("register")
    fill(driver, username="shopper1", email="shopper1@example.com")
    fill(driver, password1=PASSWORD, password2=PASSWORD)
    css(driver, "[data-testid=register-submit]").click()
    wait_for(driver, "[data-testid=account-link]")
    css(driver, "header a.cart-link").click()
    wait_url(driver, lambda url: url.endswith("/cart/"))
    # One cart, the shopper's: the guest's was merged into it, not left behind.
    assert list(CartItem.objects.values_list("cart__user__username", "variant", "quantity")) == [
        ("shopper1", large.pk, 2)
    ]
    assert not Cart.objects.filter(user=None).exists()
    lines = driver.find_elements(By.CSS_SELECTOR, "[data-testid=cart-line]")
    assert [
        (el.get_attribute("data-variant-id"), el.get_attribute("data-quantity")) for el in lines
    ] == [(str(large.pk), "2")]

    # Claims the coupon under "my coupons", applies it in the cart.
    driver = page.open("/account/coupons/")
    css(
        driver, "[data-testid=available-coupon][data-code=WELCOME15] [data-testid=claim-coupon]"
    ).click()
    wait_for(driver, "[data-testid=my-coupon][data-code=WELCOME15]")
    j.check("coupons")
    css(driver, "header a.cart-link").click()
    wait_url(driver, lambda url: url.endswith("/cart/"))
    fill(driver, coupon_code="WELCOME15")
    css(driver, "[data-testid=coupon-apply]").click()
    wait_for(driver, "[data-testid=discount]")
    # 299.80 - 15.00 = 284.80; tax 17.09 (17.088); free shipping: 301.89.
    totals = css(driver, "[data-testid=cart-total]")
    assert css(driver, "[data-testid=discount]").get_attribute("data-amount") == "15.00"
    assert totals.get_attribute("data-total") == "301.89"
    j.check("cart")

    # Checks out with a new address; the totals are shown before placing.
    css(driver, "[data-testid=checkout]").click()
    wait_url(driver, lambda url: url.endswith("/checkout/"))
    assert css(driver, "[data-testid=cart-total]").get_attribute("data-total") == "301.89"
    assert css(driver, "[data-testid=tax]").text == "¥17.09"
    fill(driver, **ADDRESS)
    j.check("checkout")
    css(driver, "[data-testid=place-order]").click()
    wait_url(driver, lambda url: "/orders/" in url)
    order = Order.objects.get(user__username="shopper1")
    assert driver.current_url.endswith(f"/orders/{order.number}/")
    assert (order.subtotal, order.discount_amount, order.tax_amount) == (
        Decimal("299.80"),
        Decimal("15.00"),
        Decimal("17.09"),
    )
    assert (order.shipping_amount, order.total) == (Decimal("0.00"), Decimal("301.89"))
    assert order.coupon_code == "WELCOME15"
    assert order.shipping_address["street"] == ADDRESS["street"]
    assert css(driver, "[data-testid=order-status]").get_attribute("data-status") == "pending"
    assert (on_hand(large), allocated(large)) == (3, 2)
    j.check("order-placed")

    # Pays in the sandbox and lands on the paid order with its timeline.
    css(driver, "[data-testid=pay]").click()
    wait_url(driver, lambda url: "/payments/sandbox/" in url)
    j.check("sandbox")
    css(driver, "[data-testid=sandbox-pay]").click()
    wait_url(driver, lambda url: f"/orders/{order.number}/" in url and "/payment" not in url)
    WebDriverWait(driver, WAIT, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: css(d, "[data-testid=order-status]").get_attribute("data-status") == "processing"
    )
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.total) == (
        "processing",
        "paid",
        Decimal("301.89"),
    )
    assert css(driver, "[data-testid=order-total]").get_attribute("data-total") == "301.89"
    events = driver.find_elements(By.CSS_SELECTOR, "[data-testid=order-timeline] > li")
    assert len(events) == order.events.count() >= 3  # placed, paid, processing
    # Paid, not yet shipped: the two stay allocated, nothing else moved.
    assert (on_hand(large), allocated(large)) == (3, 2)
    assert (on_hand(mug), allocated(mug)) == (5, 0)
    j.check("order")

    # A second order: a mug from its product page, the saved address, then cancelled.
    driver = page.open("/p/mug/")
    j.check("product-second")
    j.add_from_product_page()
    lines = driver.find_elements(By.CSS_SELECTOR, "[data-testid=cart-line]")
    assert [
        (el.get_attribute("data-variant-id"), el.get_attribute("data-quantity")) for el in lines
    ] == [(str(mug.pk), "1")]
    # 19.90 + tax 1.19 (1.194) + shipping 10.00 (under 99.00) = 31.09; the coupon was used up.
    assert css(driver, "[data-testid=cart-total]").get_attribute("data-total") == "31.09"
    j.check("cart-second")
    css(driver, "[data-testid=checkout]").click()
    wait_url(driver, lambda url: url.endswith("/checkout/"))
    chosen = css(driver, "input[name=address_id]:checked")
    assert chosen.get_attribute("value") != "new"  # the address saved with the first order
    j.check("checkout-second")
    css(driver, "[data-testid=place-order]").click()
    wait_url(driver, lambda url: "/orders/" in url and f"/orders/{order.number}/" not in url)
    second = Order.objects.filter(user__username="shopper1").exclude(pk=order.pk).get()
    assert driver.current_url.endswith(f"/orders/{second.number}/")
    assert (second.total, second.coupon_code) == (Decimal("31.09"), "")
    assert css(driver, "[data-testid=order-total]").get_attribute("data-total") == "31.09"
    assert (on_hand(mug), allocated(mug)) == (5, 1)
    j.check("order-second")
    css(driver, "[data-testid=cancel-order]").click()
    WebDriverWait(driver, WAIT, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: css(d, "[data-testid=order-status]").get_attribute("data-status") == "cancelled"
    )
    second.refresh_from_db()
    assert second.status == "cancelled"
    events = driver.find_elements(By.CSS_SELECTOR, "[data-testid=order-timeline] > li")
    assert len(events) == second.events.count() >= 2  # placed, cancelled
    # The mug's allocation is released; the paid kettles keep theirs.
    assert (on_hand(mug), allocated(mug)) == (5, 0)
    assert (on_hand(large), allocated(large)) == (3, 2)
    j.check("order-cancelled")

    driver = page.open("/orders/")
    rows = driver.find_elements(By.CSS_SELECTOR, "[data-testid=order-row]")
    assert [r.get_attribute("data-number") for r in rows] == [second.number, order.number]
    j.check("orders")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_whole_journey_from_home_page_to_paid_and_cancelled_orders(page, shop):
    walk(page, shop)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_whole_journey_on_a_375_px_phone(page, shop):
    walk(page, shop, width=375)


# --- Chinese and English ----------------------------------------------------------------------------


@pytest.fixture
def thermos(db):
    cups = CategoryFactory(slug="cups", name_zh_hans="杯子", name_en="Cups")
    with translation.override("zh-hans"):
        product = catalog_services.product_create(
            name="保温杯",
            name_en="Thermos cup",
            slug="thermos",
            category=cups,
            brand=BrandFactory(),
            description="双层不锈钢，保温十二小时。",
            description_en="Double-walled steel, keeps drinks hot for twelve hours.",
            variants=[
                {"sku": "CUP-S", "name": "小号", "name_en": "Small", "price": Decimal("49.00")},
                {"sku": "CUP-L", "name": "大号", "name_en": "Large", "price": Decimal("69.00")},
            ],
        )
        only_chinese = catalog_services.product_create(
            name="茶叶罐",
            slug="tea-caddy",
            category=cups,
            brand=BrandFactory(),
            description="密封防潮。",
            variants=[{"sku": "CADDY-1", "name": "锡罐", "price": Decimal("88.00")}],
        )
    for variant in (*product.variants.all(), *only_chinese.variants.all()):
        give_stock(variant, 5)
    product.refresh_from_db()
    assert (product.name_zh_hans, product.name_en) == ("保温杯", "Thermos cup")
    assert not only_chinese.name_en
    return product


def product_texts(driver):
    return {
        "title": driver.title,
        "h1": css(driver, "h1").text,
        "description": css(driver, ".product-description").text,
        "variants": [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".variant-name")],
        "meta": css(driver, "meta[name=description]").get_attribute("content"),
        "main": css(driver, "main").text,
    }


def switch_language(driver, code):
    """The footer's language form; it comes back to the same page."""
    url = driver.current_url
    Select(css(driver, "#footer-language")).select_by_value(code)
    css(driver, ".language-form button[type=submit]").click()
    WebDriverWait(driver, WAIT, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: css(d, "html").get_attribute("lang") == code
    )
    assert driver.current_url == url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_product_page_in_chinese_and_english_falling_back_to_chinese(page, thermos):
    driver = page.open("/p/thermos/")  # the browser asks for English (--lang=en)
    assert css(driver, "html").get_attribute("lang") == "en"
    english = product_texts(driver)
    assert english["title"].startswith("Thermos cup")
    assert english["h1"] == "Thermos cup"
    assert "Double-walled steel, keeps drinks hot for twelve hours." in english["description"]
    assert english["variants"] == ["Small", "Large"]
    assert english["meta"].startswith("Double-walled steel")
    assert not any(zh in english["main"] for zh in ("保温杯", "双层不锈钢", "小号", "大号", "杯子"))
    assert "Cups" in css(driver, "nav.breadcrumbs").text
    assert page.console_errors() == []
    page.shot("journey-product-en")

    switch_language(driver, "zh-hans")
    chinese = product_texts(driver)
    assert chinese["title"].startswith("保温杯")
    assert chinese["h1"] == "保温杯"
    assert "双层不锈钢，保温十二小时。" in chinese["description"]
    assert chinese["variants"] == ["小号", "大号"]
    assert chinese["meta"].startswith("双层不锈钢")
    assert "杯子" in css(driver, "nav.breadcrumbs").text
    assert not any(en in chinese["main"] for en in ("Thermos", "Double-walled", "Small", "Large"))
    assert page.console_errors() == []
    page.shot("journey-product-zh")

    # Back in English, a product with only Chinese content shows its Chinese.
    switch_language(driver, "en")
    assert css(driver, "h1").text == "Thermos cup"
    driver = page.open("/p/tea-caddy/")
    assert css(driver, "html").get_attribute("lang") == "en"
    fallback = product_texts(driver)
    assert fallback["title"].startswith("茶叶罐")
    assert fallback["h1"] == "茶叶罐"
    assert "密封防潮。" in fallback["description"]
    assert fallback["variants"] == ["锡罐"]
    assert "Add to cart" in fallback["main"]  # the interface itself is in English
    assert page.console_errors() == []
    page.shot("journey-product-fallback-en")

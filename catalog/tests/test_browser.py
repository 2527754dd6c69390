"""The catalogue pages in a real headless Chromium: a guest browses, filters, sorts, searches with a
typo, opens a product and picks a variant; the same on a 375 px phone. Screenshots for a person."""

from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from catalog import services
from catalog.tests.conftest import give_stock
from catalog.tests.factories import BrandFactory, CategoryFactory


@pytest.fixture
def kitchen(make_product):
    home = CategoryFactory(name="Living", slug="home-goods")
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen", parent=home)
    acme = BrandFactory(name="Acme", slug="acme")
    kettle = make_product(
        "Kettle",
        "129.00",
        stock=3,
        category=kitchen,
        brand=acme,
        slug="kettle",
        description="Boils a litre in three minutes.",
    )
    large = services.variant_create(kettle, sku="KET-XL", name="Large", price=Decimal("149.00"))
    give_stock(large, 2)
    make_product("Teapot", "59.00", category=kitchen, brand=acme, slug="teapot")
    make_product("Mug", "19.90", stock=5, category=kitchen, brand=acme, slug="mug")
    make_product("Cushion", "39.00", stock=1, category=home, slug="cushion")
    return kitchen


def result_names(driver):
    return [
        e.text
        for e in driver.find_elements(
            By.CSS_SELECTOR, "[data-testid=search-results] .product-card-name"
        )
    ]


def no_horizontal_scroll(driver):
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1"
    )


def browse(page, width=None):
    suffix = "" if width is None else f"-{width}"
    if width:
        page.resize(width)
    driver = page.open("/c/home-goods/")
    assert sorted(result_names(driver)) == ["Cushion", "Kettle", "Mug", "Teapot"]
    assert driver.find_element(By.CSS_SELECTOR, "[data-testid=subcategories] a[href='/c/kitchen/']")
    page.shot(f"category{suffix}")
    assert page.console_errors() == []
    assert no_horizontal_scroll(driver)

    # Filter by price and stock, sort by price: a GET form with the API's names.
    driver.find_element(By.ID, "filter-max-price").send_keys("100")
    driver.find_element(By.CSS_SELECTOR, "label[for=filter-in-stock]").click()
    Select(driver.find_element(By.ID, "filter-ordering")).select_by_value("-price")
    driver.find_element(By.CSS_SELECTOR, "[data-testid=apply-filters]").click()
    WebDriverWait(driver, 10).until(lambda d: "max_price=100" in d.current_url)
    assert "in_stock=true" in driver.current_url and "ordering=-price" in driver.current_url
    assert result_names(driver) == ["Cushion", "Mug"]
    assert driver.find_element(By.ID, "filter-in-stock").is_selected()

    # Search with a typo from the header's box: the suggestion corrects it.
    box = driver.find_element(By.CSS_SELECTOR, "header input[type=search][name=q]")
    box.clear()
    box.send_keys("ketle")
    box.submit()
    WebDriverWait(driver, 10).until(lambda d: "/search/" in d.current_url)
    assert result_names(driver) == ["Kettle"]
    assert (
        driver.find_element(By.CSS_SELECTOR, "header input[name=q]").get_attribute("value")
        == "ketle"
    )
    correction = driver.find_element(By.CSS_SELECTOR, "[data-testid=search-correction]")
    assert correction.text == "kettle"
    page.shot(f"search{suffix}")
    correction.click()
    WebDriverWait(driver, 10).until(lambda d: "q=kettle" in d.current_url)
    assert result_names(driver) == ["Kettle"]
    assert page.console_errors() == []
    assert no_horizontal_scroll(driver)

    # Open the product and pick the other variant: the shown price follows it.
    driver.find_element(
        By.CSS_SELECTOR, "[data-testid=search-results] a[href='/p/kettle/']"
    ).click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/p/kettle/"))
    price = driver.find_element(By.CSS_SELECTOR, "[data-testid=product-price]")
    assert price.text == "¥129.00"
    large = driver.find_element(By.CSS_SELECTOR, "input[name=variant_id][data-price='¥149.00']")
    driver.find_element(By.CSS_SELECTOR, f"label[for='{large.get_attribute('id')}']").click()
    WebDriverWait(driver, 5).until(lambda d: price.text == "¥149.00")
    assert large.is_selected()
    form = driver.find_element(By.CSS_SELECTOR, "[data-testid=add-to-cart-form]")
    assert form.get_attribute("method") == "post"
    assert form.get_attribute("action") == page.base + "/cart/add/"
    assert form.find_element(By.NAME, "quantity").get_attribute("value") == "1"
    assert form.find_element(By.NAME, "csrfmiddlewaretoken")
    assert form.find_element(By.CSS_SELECTOR, "[data-testid=add-to-cart]").is_displayed()
    page.shot(f"product{suffix}")
    assert page.console_errors() == []
    assert no_horizontal_scroll(driver)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_guest_browses_filters_searches_and_picks_a_variant(page, kitchen):
    browse(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_same_on_a_phone(page, kitchen):
    browse(page, width=375)

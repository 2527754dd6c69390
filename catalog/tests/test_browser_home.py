"""The home page in a real headless Chromium: banners, curated sections, links, both languages,
a phone's width, no console errors."""

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from catalog.tests.factories import BannerFactory, CategoryFactory, HomeSectionFactory


@pytest.fixture
def home_content(make_product, settings):
    settings.ROOT_URLCONF = "shop.tests.media_urls"  # + uploaded media (banners)
    tea = CategoryFactory(slug="tea", name_zh_hans="茶具", name_en="Tea sets")
    kettle = make_product(
        "Electric kettle", "99.00", slug="kettle", category=tea, stock=5, name_zh_hans="电热水壶"
    )
    make_product("Teacup", "9.90", slug="teacup", category=tea, stock=5, name_zh_hans="茶杯")
    BannerFactory(
        title_zh_hans="春季特卖", title_en="Spring sale", link="/c/tea/", image__width=1200
    )
    HomeSectionFactory(title_zh_hans="精选", title_en="Staff picks", products=[kettle])
    return kettle


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_home_page_in_english_and_chinese_and_on_a_phone(page, home_content):
    driver = page.open("/")  # the browser asks for English (--lang=en)

    banner = driver.find_element(By.CSS_SELECTOR, "[data-testid=banner] img")
    assert banner.get_attribute("alt") == "Spring sale"
    assert driver.execute_script("return arguments[0].naturalWidth", banner) > 0  # it loaded
    assert (
        driver.find_element(By.CSS_SELECTOR, "[data-testid=banner] a")
        .get_attribute("href")
        .endswith("/c/tea/")
    )
    section = driver.find_element(By.CSS_SELECTOR, "[data-testid=home-section]")
    assert section.find_element(By.TAG_NAME, "h2").text == "Staff picks"
    link = section.find_element(By.CSS_SELECTOR, ".product-card a")
    assert link.text == "Electric kettle"
    assert link.get_attribute("href") == page.base + "/p/kettle/"
    nav = driver.find_element(By.CSS_SELECTOR, "nav.home-categories a[href='/c/tea/']")
    assert nav.text == "Tea sets"
    assert "电热水壶" not in driver.find_element(By.TAG_NAME, "main").text
    assert page.console_errors() == []
    page.shot("home")

    # The footer's language form: the same page in Chinese.
    Select(driver.find_element(By.ID, "footer-language")).select_by_value("zh-hans")
    driver.find_element(By.CSS_SELECTOR, ".language-form button[type=submit]").click()
    # The old page's <html> goes stale while the new one loads: keep asking until it is there.
    WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-hans"
    )
    main = driver.find_element(By.TAG_NAME, "main").text
    assert "电热水壶" in main and "精选" in main and "茶具" in main
    assert "Electric kettle" not in main and "Staff picks" not in main
    banner = driver.find_element(By.CSS_SELECTOR, "[data-testid=banner] img")
    assert banner.get_attribute("alt") == "春季特卖"
    assert page.console_errors() == []
    page.shot("home-zh")

    # A phone: nothing wider than the screen, the cards two by two.
    page.resize(375)
    driver = page.open("/")
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= driver.execute_script("return window.innerWidth")
    cards = driver.find_elements(By.CSS_SELECTOR, "[data-testid=new-products] .product-card")
    assert len(cards) == 2 and cards[0].location["y"] == cards[1].location["y"]
    assert page.console_errors() == []
    page.shot("home-375")

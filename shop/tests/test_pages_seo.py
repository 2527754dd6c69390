"""Error pages in the shop's look, robots.txt and sitemap.xml."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.mark.urls("shop.tests.urls_errors")
def test_500_page_in_the_shops_look_without_the_database(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert 'data-testid="error-500"' in html
    assert "/static/css/shop.css" in html
    assert f'<a class="brand" href="/">{settings.SHOP_NAME}</a>' in html
    assert queries.captured_queries == []


@pytest.mark.urls("shop.tests.urls_errors")
def test_403_page(client, settings):
    settings.DEBUG = False
    response = client.get("/forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="error-403"' in html
    assert '<form class="site-search" action="/search/"' in html  # the shop's header


def test_404_page(client, settings):
    settings.DEBUG = False
    response = client.get("/p/no-such-product/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="error-404"' in html
    assert "<main" in html and html.count("<main") == 1
    # The API keeps its JSON 404.
    assert client.get("/api/v1/nothing/").json()["code"] == "not_found"


def test_robots_txt(client, settings):
    settings.SITE_URL = "https://shop.example.com"
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    for path in ("/admin/", "/cart/", "/checkout/", "/orders/", "/account/", "/api/"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: https://shop.example.com/sitemap.xml" in lines


def make_product(name, *, category, slug):
    return services.product_create(
        name=name,
        category=category,
        slug=slug,
        variants=[{"sku": slug.upper(), "name": "Default", "price": Decimal("10.00")}],
    )


def test_sitemap_lists_shown_products_categories_and_home(client, settings):
    settings.SITE_URL = "https://shop.example.com"
    shown = CategoryFactory(slug="shown")
    hidden = CategoryFactory(slug="hidden", is_active=False)
    make_product("Kettle", category=shown, slug="kettle")
    make_product("Secret", category=hidden, slug="secret")
    retired = make_product("Retired", category=shown, slug="retired")
    services.product_deactivate(retired)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    assert "<loc>https://shop.example.com/</loc>" in xml
    assert "<loc>https://shop.example.com/c/shown/</loc>" in xml
    assert "<loc>https://shop.example.com/p/kettle/</loc>" in xml
    for absent in ("/c/hidden/", "/p/secret/", "/p/retired/"):
        assert absent not in xml


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/cart/", "/account/login/", "/account/register/"])
def test_every_page_has_a_title_and_a_meta_description(client, path):
    html = client.get(path).content.decode()
    assert html.count('<meta name="description"') == 1
    assert "<title>" in html and "</title>" in html

"""An outsider's view of the catalogue pages: odd input never a 500, nothing of theirs run."""

import pytest
from django.core.exceptions import ValidationError

from catalog.models import validate_link


@pytest.mark.parametrize(
    "link",
    [
        "/\\evil.example/",  # browsers read a backslash as a slash: //evil.example/
        "/\\/evil.example/",
        "/\t/evil.example/",  # browsers drop tabs and newlines: //evil.example/
        "/\n/evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_a_banner_link_off_the_shop_by_a_trick_is_refused(link):
    with pytest.raises(ValidationError):
        validate_link(link)


@pytest.mark.parametrize("link", ["/c/phones/", "/search/?q=a%20b", "https://example.com/x"])
def test_a_banner_link_to_a_path_or_an_https_address_is_accepted(link):
    validate_link(link)


XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.mark.django_db
def test_names_reviews_banners_and_search_terms_are_escaped_everywhere(make_product, user, client):
    from catalog.models import Review
    from catalog.tests.factories import BannerFactory, CategoryFactory

    category = CategoryFactory(name=XSS, description=XSS)
    product = make_product(
        name=f"Phone {XSS}", stock=3, category=category, description=XSS, short_description=XSS
    )
    Review.objects.create(product=product, user=user, rating=5, title=XSS, body=XSS)
    BannerFactory(title=XSS)
    client.force_login(user)
    pages = [
        "/",
        f"/c/{category.slug}/",
        f"/p/{product.slug}/",
        "/search/?" + __import__("urllib.parse").parse.urlencode({"q": XSS}),
        "/search/?q=Phone",
        "/account/history/",
        "/sitemap.xml",
    ]
    for url in pages:
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert "<script>alert(1)" not in body, url
        assert "<img src=x" not in body, url


@pytest.mark.django_db
def test_a_price_change_shows_on_the_next_view_of_every_cached_listing(
    make_product, client, django_capture_on_commit_callbacks
):
    from catalog import services

    product = make_product(name="Kettle", price="10.00", stock=5)
    urls = ["/", f"/c/{product.category.slug}/", "/search/?q=Kettle"]
    for url in urls:
        assert "10.00" in client.get(url).content.decode(), url
    with django_capture_on_commit_callbacks(execute=True):
        services.variant_update(product.variants.get(), price="12.34")
    for url in urls:
        body = client.get(url).content.decode()
        assert "12.34" in body and "10.00" not in body, url


@pytest.mark.django_db
def test_a_fragment_cached_in_one_language_is_not_served_in_the_other(make_product, client):
    from catalog.models import Category

    product = make_product(name="Kettle", price="10.00", stock=5)
    category = Category.objects.get(pk=product.category_id)
    Category.objects.filter(pk=category.pk).update(name_en="Kitchen EN", name_zh_hans="厨房 ZH")
    product.__class__.objects.filter(pk=product.pk).update(
        name_en="Kettle EN", name_zh_hans="水壶 ZH"
    )
    for url in ["/", f"/c/{category.slug}/", "/search/"]:
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "Kettle EN" in english and "水壶 ZH" not in english, url
        assert "水壶 ZH" in chinese and "Kettle EN" not in chinese, url
        again = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Kettle EN" in again and "水壶 ZH" not in again, url


@pytest.mark.django_db
@pytest.mark.parametrize(
    "preview",
    [
        "garbage",
        "9999-99-99",
        "2026-13-01T99:99",
        "2026-02-30",
        "2026-02-30T10:00",
        "2026-01-01T25:00",
        "2026-01-01T10:00+99:00",
        "0001-01-01",
        "9999-12-31T23:59:59",
        "\x00",
        "1" * 5000,
    ],
)
def test_a_staff_preview_of_a_malformed_or_extreme_moment_is_the_live_page(staff, client, preview):
    client.force_login(staff)
    response = client.get("/", {"preview": preview})
    assert response.status_code == 200
    assert response.context["preview_at"] is None


@pytest.mark.django_db
def test_a_review_longer_than_the_api_allows_is_refused_on_the_page_too(make_product, user, client):
    from catalog.models import Review
    from catalog.tests.conftest import deliver

    product = make_product(name="Kettle", stock=3)
    deliver(user, product)
    client.force_login(user)
    url = f"/p/{product.slug}/review/"
    response = client.post(url, {"rating": 5, "body": "x" * 100_000})
    assert response.status_code == 302
    assert not Review.objects.exists()
    client.post(url, {"rating": 5, "body": "x" * 5000})
    assert Review.objects.get().body == "x" * 5000


@pytest.mark.django_db
def test_personal_and_preview_content_never_reaches_another_visitors_cached_home(
    make_product, staff, user, client
):
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from catalog.tests.factories import BannerFactory

    make_product(name="Kettle", stock=3)
    tomorrow = timezone.now() + timedelta(days=1)
    BannerFactory(title="Tomorrow's secret sale", starts_at=tomorrow)
    client.force_login(staff)
    preview = client.get("/", {"preview": (tomorrow + timedelta(hours=1)).isoformat()})
    assert "Tomorrow&#x27;s secret sale" in preview.content.decode()
    shopper = Client()
    shopper.force_login(user)
    mine = shopper.get("/").content.decode()
    guest = Client().get("/").content.decode()
    for body in (mine, guest):
        assert "secret sale" not in body
    assert user.get_username() in mine and user.get_username() not in guest
    assert staff.get_username() not in guest and staff.get_username() not in mine

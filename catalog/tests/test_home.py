"""The home page and the `home/` endpoint: staff-edited banners and sections, scheduled, in hand
order, shoppers' products only, in the request's language, cached and invalidated like the lists."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from catalog import queries, services
from catalog.models import HomeSectionProduct
from catalog.tests.conftest import give_stock
from catalog.tests.factories import BannerFactory, CategoryFactory, HomeSectionFactory
from core.templatetags.money import money

pytestmark = pytest.mark.django_db

HOME_API = "/api/v1/home/"


def names(products):
    return [p.name for p in products]


@pytest.fixture
def shelf(make_product):
    """Three shown products, one inactive, and one under an inactive category."""
    hidden_branch = CategoryFactory(is_active=False)
    return {
        "kettle": make_product("Kettle", "129.00", stock=3),
        "mug": make_product("Mug", "19.90"),
        "teapot": make_product("Teapot", "59.00", stock=1),
        "retired": make_product("Retired lamp", "9.00"),
        "hidden": make_product(
            "Hidden vase", "9.00", category=CategoryFactory(parent=hidden_branch)
        ),
    }


def test_home_content_current_scheduled_rows_in_hand_order(shelf):
    now = timezone.now()
    services.products_set_flags([shelf["retired"].pk], is_active=False)
    live = BannerFactory(title="Live", position=2)
    first = BannerFactory(title="First", position=1, starts_at=now - timedelta(days=1))
    BannerFactory(title="Later", starts_at=now + timedelta(hours=2))
    BannerFactory(title="Over", ends_at=now - timedelta(seconds=1))
    BannerFactory(title="Off", is_active=False)
    picks = HomeSectionFactory(
        title="Picks",
        position=1,
        # Hand order; the inactive and the hidden product are left out of the page.
        products=[shelf["teapot"], shelf["retired"], shelf["kettle"], shelf["hidden"]],
    )
    HomeSectionFactory(title="Empty", position=0, products=[shelf["retired"]])
    HomeSectionFactory(title="Winter", position=0, products=[shelf["mug"]], is_active=False)
    HomeSectionFactory(title="Soon", products=[shelf["mug"]], starts_at=now + timedelta(minutes=30))

    content = queries.home_content(at=now)

    assert [b.pk for b in content.banners] == [first.pk, live.pk]
    assert [(s.title, names(s.products)) for s in content.sections] == [
        ("Picks", ["Teapot", "Kettle"])
    ]
    assert content.sections[0].id == picks.pk
    # The first future start: a cached copy must be gone by then.
    assert content.changes_at == now + timedelta(minutes=30)

    later = queries.home_content(at=now + timedelta(hours=3))
    assert [b.title for b in later.banners] == ["Later", "First", "Live"]  # position 0, 1, 2
    assert [s.title for s in later.sections] == ["Soon", "Picks"]  # position 0, 1


def test_home_api_answers_the_contract(api_client, shelf):
    BannerFactory(title="Sale", link="/c/sale/")
    HomeSectionFactory(title="Picks", products=[shelf["mug"], shelf["kettle"]])

    body = api_client.get(HOME_API).json()

    [banner] = body["banners"]
    assert set(banner) == {"id", "title", "image", "link"}
    assert banner["title"] == "Sale" and banner["link"] == "/c/sale/"
    assert banner["image"].startswith("http://testserver/media/banners/")
    [section] = body["sections"]
    assert section["title"] == "Picks"
    assert [p["name"] for p in section["products"]] == ["Mug", "Kettle"]
    # The product list's own item.
    listed = api_client.get("/api/v1/products/", {"search": "Kettle"}).json()["results"][0]
    assert section["products"][1] == listed


def test_home_api_is_in_the_schema(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    answer = schema["paths"]["/api/v1/home/"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/Home")
    home = schema["components"]["schemas"]["Home"]["properties"]
    assert set(home) == {"banners", "sections"}


@pytest.mark.parametrize("n", [2, 30])
def test_home_api_query_count_does_not_grow_with_products(
    api_client, make_product, n, django_assert_max_num_queries
):
    category = CategoryFactory()
    products = [make_product(f"Item {i}", "5.00", category=category) for i in range(n)]
    for i in range(3):
        BannerFactory(position=i)
        HomeSectionFactory(products=products[i::3])
    # Hidden categories, banners, sections with their items, products, primary images.
    with django_assert_max_num_queries(5):
        body = api_client.get(HOME_API).json()
    assert sum(len(s["products"]) for s in body["sections"]) == n
    with django_assert_max_num_queries(0):  # cached
        assert api_client.get(HOME_API).json() == body


def test_home_api_follows_price_stock_and_content_edits(
    api_client, shelf, django_capture_on_commit_callbacks
):
    section = HomeSectionFactory(title="Picks", products=[shelf["mug"]])
    mug = shelf["mug"]
    first = api_client.get(HOME_API).json()["sections"][0]["products"][0]
    assert (first["price"], first["in_stock"]) == ("19.90", False)

    with django_capture_on_commit_callbacks(execute=True):
        services.variant_update(mug.variants.get(), price=Decimal("17.50"))
    assert api_client.get(HOME_API).json()["sections"][0]["products"][0]["price"] == "17.50"

    give_stock(mug.variants.get(), 2)
    assert api_client.get(HOME_API).json()["sections"][0]["products"][0]["in_stock"] is True

    HomeSectionProduct.objects.create(section=section, product=shelf["kettle"], position=5)
    with django_capture_on_commit_callbacks(execute=True):
        services.home_content_changed()
    products = api_client.get(HOME_API).json()["sections"][0]["products"]
    assert [p["name"] for p in products] == ["Mug", "Kettle"]


def test_home_is_not_cached_past_a_schedule_change(client, api_client, shelf, monkeypatch):
    from django.core.cache import cache

    stored = []
    real_set = cache.set

    def spy(key, value, timeout=None, **kwargs):
        if key.startswith("catalog:home:"):
            stored.append(timeout)
        return real_set(key, value, timeout, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    BannerFactory(title="In five minutes", starts_at=timezone.now() + timedelta(minutes=5))
    assert api_client.get(HOME_API).json()["banners"] == []
    page(client)
    # Both copies expire when the banner starts, before the lists' ten minutes.
    assert len(stored) == 2 and all(290 <= t <= 300 for t in stored), stored

    stored.clear()
    BannerFactory(title="Now", starts_at=timezone.now() + timedelta(milliseconds=500))
    from catalog.cache import catalog_cache_invalidate

    catalog_cache_invalidate([])  # what the admin's save does on commit
    api_client.get(HOME_API)
    page(client)
    assert stored == []  # changes within the second: not cached at all


# --- The page ------------------------------------------------------------------------------------


def page(client, **headers):
    response = client.get("/", **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_home_page_shows_banners_sections_lists_and_links(client, shelf):
    parent = shelf["kettle"].category
    child = CategoryFactory(name="Teaware", slug="teaware", parent=parent)
    BannerFactory(title="Spring sale", link="/c/sale/")
    HomeSectionFactory(title="Staff picks", products=[shelf["teapot"], shelf["mug"]])

    html = page(client)

    assert 'alt="Spring sale"' in html and 'href="/c/sale/"' in html
    assert "Staff picks" in html
    picks = html.split("Staff picks", 1)[1]
    assert picks.index("Teapot") < picks.index("Mug")  # the staff's order
    assert f'href="/p/{shelf["kettle"].slug}/"' in html  # every card links to its product
    assert f'href="/c/{parent.slug}/"' in html and f'href="/c/{child.slug}/"' in html
    assert 'data-testid="new-products"' in html and 'data-testid="trending-products"' in html
    assert money(Decimal("129.00")) in html
    assert "Retired lamp" in html  # active until deactivated below
    assert "Hidden vase" not in html
    assert '<link rel="canonical" href="http://127.0.0.1:8000/">' in html
    assert '<meta name="description"' in html
    assert "/static/css/home.css" in html
    assert "Recommended for you" not in html  # guests


@pytest.mark.parametrize("n", [3, 40])
def test_home_page_queries_do_not_grow_with_products(
    client, user, make_product, n, django_assert_max_num_queries
):
    category = CategoryFactory()
    products = [make_product(f"Item {i}", "5.00", category=category, stock=1) for i in range(n)]
    BannerFactory()
    HomeSectionFactory(products=products)
    HomeSectionFactory(products=products[::2])

    with django_assert_max_num_queries(
        7
    ):  # cold: tree, banners, sections, 2 lists, products, images
        page(client)
    with django_assert_max_num_queries(0):  # the catalogue fragment is cached
        page(client)

    from django.core.cache import cache

    cache.clear()  # before the login: with Redis, sessions live in the cache
    client.force_login(user)
    # + the session and the user, and "recommended for you" (popular products until the
    # recommendations app answers: hidden categories, products, images).
    with django_assert_max_num_queries(12):
        html = page(client)
    assert "Recommended for you" in html
    with django_assert_max_num_queries(5):  # the catalogue from the cache; the user's own list
        page(client)


def test_a_price_change_shows_on_the_next_home_view(
    client, shelf, django_capture_on_commit_callbacks
):
    assert money(Decimal("129.00")) in page(client)
    with django_capture_on_commit_callbacks(execute=True):
        services.variant_update(shelf["kettle"].variants.get(), price=Decimal("99.00"))
    html = page(client)
    assert money(Decimal("99.00")) in html and money(Decimal("129.00")) not in html


def test_banner_admin_edit_shows_on_the_next_home_view(
    client, staff, shelf, django_capture_on_commit_callbacks
):
    banner = BannerFactory(title_en="Old title", title_zh_hans="旧标题")
    assert "Old title" in page(client)
    admin = Client()
    admin.force_login(staff)
    url = f"/admin/catalog/banner/{banner.pk}/change/"
    form = admin.get(url)
    assert form.status_code == 200 and "Preview the home page" in form.content.decode()
    from core.testing.admin_race import change_form_data

    data = change_form_data(admin, url, title_en="New title")
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(url, data).status_code == 302
    html = page(client)
    assert "New title" in html and "Old title" not in html


def test_home_page_language_follows_the_request(client, make_product):
    category = CategoryFactory(name_zh_hans="茶具", name_en="Tea sets")
    kettle = make_product("Kettle", "10.00", category=category, name_zh_hans="水壶")
    HomeSectionFactory(title_zh_hans="精选", title_en="Picks", products=[kettle])
    english = page(client, HTTP_ACCEPT_LANGUAGE="en")
    chinese = page(client, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "Kettle" in english and "Picks" in english and "Tea sets" in english
    assert "水壶" not in english
    assert "水壶" in chinese and "精选" in chinese and "茶具" in chinese
    assert "Kettle" not in chinese
    # And back: each language has its own cached copy.
    assert "Kettle" in page(client, HTTP_ACCEPT_LANGUAGE="en")


def test_staff_preview_shows_a_future_schedule_others_get_the_live_page(client, staff, shelf):
    start = timezone.now() + timedelta(days=2)
    BannerFactory(title="Next week", starts_at=start)
    moment = timezone.localtime(start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    assert "Next week" not in page(client)
    assert "Next week" not in client.get("/", {"preview": moment}).content.decode()
    client.force_login(staff)
    html = client.get("/", {"preview": moment}).content.decode()
    assert "Next week" in html and 'data-testid="home-preview"' in html
    assert "Next week" not in page(client)  # the preview was not cached as the live page
    assert client.get("/", {"preview": "garbage"}).status_code == 200


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("129"), "¥129.00"),
        ("1234.5", "¥1,234.50"),
        (Decimal("-5.005"), "-¥5.01"),
        (None, ""),
    ],
)
def test_money_filter(value, shown):
    assert money(value) == shown


# --- The admin -----------------------------------------------------------------------------------


def test_staff_build_a_section_in_the_admin_with_ordered_products(
    staff, shelf, client, django_capture_on_commit_callbacks
):
    from catalog.tests.conftest import png_file

    admin = Client()
    admin.force_login(staff)
    assert "Staff picks" not in page(client)  # cached now
    items = {
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-position": "2",
        "items-0-product": shelf["kettle"].pk,
        "items-1-position": "1",
        "items-1-product": shelf["teapot"].pk,
    }
    data = {"title_zh_hans": "精选", "title_en": "Staff picks", "position": "0", "is_active": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/admin/catalog/homesection/add/", {**data, **items})
    assert response.status_code == 302, response.content.decode()[:3000]

    html = page(client)
    picks = html.split("Staff picks", 1)[1]
    assert picks.index("Teapot") < picks.index("Kettle")  # by position, not by entry

    banner = {
        "title_zh_hans": "促销",
        "title_en": "Sale",
        "image": png_file("sale.png", size=(300, 100)),
        "link": "javascript:alert(1)",
        "position": "0",
        "is_active": "on",
    }
    response = admin.post("/admin/catalog/banner/add/", banner)
    assert response.status_code == 200  # refused: a banner links to a path or an http(s) URL
    banner["image"] = png_file("sale.png", size=(300, 100))
    banner["link"] = "https://example.com/sale"
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post("/admin/catalog/banner/add/", banner).status_code == 302
    assert 'href="https://example.com/sale"' in page(client)
    changelist = admin.get("/admin/catalog/banner/").content.decode()
    assert "Preview the home page" in changelist and "<img" in changelist

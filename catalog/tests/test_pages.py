"""The storefront's category, search and product pages (server-rendered, no JavaScript)."""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.cache import cache

from catalog import services, suggestions
from catalog.cache import catalog_cache_invalidate
from catalog.models import Product
from catalog.tests.conftest import deliver, give_stock, png_file
from catalog.tests.factories import BrandFactory, CategoryFactory

pytestmark = pytest.mark.django_db


class _Results(HTMLParser):
    """The product names inside data-testid="search-results", in order."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # open <div>s since the results' one; 0 outside it
        self.in_name = False
        self.names: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and (self.depth or attrs.get("data-testid") == "search-results"):
            self.depth += 1
        if self.depth and "product-card-name" in (attrs.get("class") or ""):
            self.in_name = True

    def handle_endtag(self, tag):
        if tag == "div" and self.depth:
            self.depth -= 1
        self.in_name = False

    def handle_data(self, data):
        if self.in_name:
            self.names.append(data.strip())


def names(response) -> list[str]:
    parser = _Results()
    parser.feed(response.content.decode())
    return parser.names


@pytest.fixture
def shelf(make_product):
    home = CategoryFactory(name="Home", slug="home-goods")
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen", parent=home)
    garden = CategoryFactory(name="Garden", slug="garden")
    acme, zen = BrandFactory(name="Acme", slug="acme"), BrandFactory(name="Zen", slug="zen")
    make_product("Kettle", "129.00", stock=3, category=kitchen, brand=acme, slug="kettle")
    make_product("Teapot", "59.00", category=kitchen, brand=zen, slug="teapot")
    make_product("Cushion", "19.90", stock=1, category=home, brand=zen, slug="cushion")
    make_product("Garden Hose", "15.00", stock=2, category=garden, brand=acme, slug="hose")
    return {"home": home, "kitchen": kitchen, "garden": garden}


def test_category_page_lists_its_products_and_subcategories(client, shelf):
    response = client.get("/c/home-goods/")
    assert response.status_code == 200
    assert sorted(names(response)) == ["Cushion", "Kettle", "Teapot"]
    html = response.content.decode()
    assert 'href="/c/kitchen/"' in html  # subcategory link
    assert 'data-count="3"' in html
    assert 'href="/p/kettle/"' in html
    # Breadcrumbs of a subcategory lead back up.
    response = client.get("/c/kitchen/")
    assert sorted(names(response)) == ["Kettle", "Teapot"]
    assert 'href="/c/home-goods/"' in response.content.decode()


def test_category_filters_and_sorting(client, shelf):
    url = "/c/home-goods/"
    assert names(client.get(url, {"ordering": "price"})) == ["Cushion", "Teapot", "Kettle"]
    assert names(client.get(url, {"ordering": "-price"})) == ["Kettle", "Teapot", "Cushion"]
    assert names(client.get(url, {"min_price": "50", "ordering": "price"})) == ["Teapot", "Kettle"]
    assert names(client.get(url, {"max_price": "60", "ordering": "price"})) == ["Cushion", "Teapot"]
    assert sorted(names(client.get(url, {"in_stock": "true"}))) == ["Cushion", "Kettle"]
    assert sorted(names(client.get(url, {"brand": "zen"}))) == ["Cushion", "Teapot"]
    response = client.get(url, {"brand": "zen", "in_stock": "true", "max_price": "60"})
    assert names(response) == ["Cushion"]
    html = response.content.decode()
    # The form keeps what was asked.
    assert 'name="max_price" min="0" step="0.01" inputmode="decimal" value="60"' in html
    assert re.search(r'id="filter-in-stock"[^>]*checked', html)
    assert '<option value="zen" selected>' in html


def test_unknown_or_hidden_category_is_404(client, shelf):
    assert client.get("/c/nothing/").status_code == 404
    services.category_update(shelf["home"], is_active=False)
    assert client.get("/c/kitchen/").status_code == 404  # below an inactive category
    assert client.get("/c/%00/").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"min_price": "abc"},
        {"max_price": "1e999999"},
        {"min_price": "-1"},
        {"max_price": "9" * 400},
        {"min_price": "NaN"},
        {"max_price": "Infinity"},
        {"min_price": "1", "max_price": "abc"},
        {"ordering": "password"},
        {"in_stock": "maybe"},
        {"brand": "\x00"},
        {"q": "\x00kettle"},
        {"page": "abc"},
        {"page": "1e3"},
        {"q": "k" * 5000},
    ],
)
def test_bad_filter_values_are_ignored_never_500(client, shelf, params):
    for url in ("/c/home-goods/", "/search/"):
        response = client.get(url, params)
        assert response.status_code == 200, (url, params)
    response = client.get("/c/home-goods/", params)
    if "q" not in params and "brand" not in params:
        assert len(names(response)) == 3  # the bad filter was left out
    filters = {"min_price", "max_price", "ordering", "in_stock"}
    if set(params) & filters:
        assert "Ignored filters" in response.content.decode()


def test_a_page_past_the_end_is_404(client, shelf):
    assert client.get("/c/home-goods/", {"page": "2"}).status_code == 404
    assert client.get("/c/home-goods/", {"page": "999999999999999999999"}).status_code == 404
    assert client.get("/search/", {"page": "0"}).status_code == 404
    assert client.get("/c/home-goods/", {"page": "1"}).status_code == 200


def test_pagination_keeps_the_filters(client, make_product):
    category = CategoryFactory(slug="many")
    for i in range(30):
        make_product(f"Item {i:02d}", f"{i + 1}.00", category=category)
    response = client.get("/c/many/", {"ordering": "price", "max_price": "100"})
    assert len(names(response)) == 24
    html = response.content.decode()
    assert 'href="?ordering=price&amp;max_price=100&amp;page=2" rel="next"' in html
    response = client.get("/c/many/", {"ordering": "price", "max_price": "100", "page": "2"})
    assert names(response) == [f"Item {i}" for i in range(24, 30)]
    assert 'href="?ordering=price&amp;max_price=100" rel="prev"' in response.content.decode()
    assert '<link rel="canonical" href="http://127.0.0.1:8000/c/many/?page=2">' in (
        response.content.decode()
    )


def test_search_page_finds_keeps_terms_and_counts(client, shelf):
    response = client.get("/search/", {"q": "kettle"})
    assert response.status_code == 200
    assert names(response) == ["Kettle"]
    html = response.content.decode()
    assert 'name="q" value="kettle"' in html  # the header's box
    assert '<input type="hidden" name="q" value="kettle">' in html  # the filter form keeps it
    assert 'data-count="1"' in html
    assert '<meta name="robots" content="noindex, follow">' in html
    response = client.get("/search/", {"q": "o", "ordering": "price", "in_stock": "1"})
    assert names(response) == ["Garden Hose", "Cushion"]


def test_search_with_a_typo_suggests_the_word(client, shelf):
    response = client.get("/search/", {"q": "ketle"})
    assert names(response) == ["Kettle"]
    html = response.content.decode()
    assert 'data-testid="search-suggestion"' in html
    assert '<a href="/search/?q=kettle" data-testid="search-correction">kettle</a>' in html


def test_search_without_results_shows_suggestions(client, shelf, make_product):
    make_product("Bestseller", "5.00", stock=5)
    response = client.get("/search/", {"q": "zzzqqqxxx"})
    assert response.status_code == 200
    assert names(response) == []
    html = response.content.decode()
    assert 'data-testid="empty-results"' in html
    assert 'data-testid="popular-products"' in html
    assert "Check the spelling" in html


def test_category_fragment_is_cached_and_a_price_change_shows_next_view(
    client, shelf, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    assert "¥129.00" in client.get("/c/kitchen/").content.decode()
    # Cached now: a write that bypasses the services is not seen...
    kettle = Product.objects.get(slug="kettle")
    variant = kettle.variants.get()
    type(variant).objects.filter(pk=variant.pk).update(price="1.00")
    Product.objects.filter(pk=kettle.pk).update(price="1.00")
    assert "¥129.00" in client.get("/c/kitchen/").content.decode()
    # ...a price change through the services is, at the next view.
    with django_capture_on_commit_callbacks(execute=True):
        services.variant_update(variant, price=Decimal("99.00"))
    html = client.get("/c/kitchen/").content.decode()
    assert "¥99.00" in html and "¥129.00" not in html
    # And a stock change.
    assert sorted(names(client.get("/c/kitchen/", {"in_stock": "true"}))) == ["Kettle"]
    with django_capture_on_commit_callbacks(execute=True):
        give_stock(Product.objects.get(slug="teapot").variants.get(), 2)
    assert sorted(names(client.get("/c/kitchen/", {"in_stock": "true"}))) == ["Kettle", "Teapot"]


def test_category_fragment_cached_per_language(client, shelf, monkeypatch):
    from catalog import views

    built = []
    real = views.listing
    monkeypatch.setattr(views, "listing", lambda *a, **kw: built.append(1) or real(*a, **kw))
    for language in ("en", "en", "zh-hans", "zh-hans", "en"):
        response = client.get("/c/kitchen/", headers={"accept-language": language})
        assert response.status_code == 200
        assert response["Content-Language"] == language
    assert len(built) == 2  # once per language, then from the cache


# --- Product page ------------------------------------------------------------------------------------


@pytest.fixture
def kettle(shelf):
    product = Product.objects.get(slug="kettle")
    services.variant_create(product, sku="KET-XL", name="XL", price=Decimal("149.00"))
    product.refresh_from_db()
    return product


def test_product_page_variants_form_and_meta(client, kettle):
    # Suggestions show what can be bought now (recommendations filters out-of-stock products).
    give_stock(Product.objects.get(slug="teapot").variants.get(), 2)
    response = client.get("/p/kettle/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Kettle | " in html
    assert '<link rel="canonical" href="http://127.0.0.1:8000/p/kettle/">' in html
    assert '<meta name="description"' in html
    form = re.search(
        r'<form class="add-to-cart" method="post" action="/cart/add/".*?</form>', html, re.S
    )
    assert form, html
    form = form.group(0)
    assert 'name="csrfmiddlewaretoken"' in form
    assert 'name="quantity"' in form and '<label for="add-quantity">' in form
    assert 'data-testid="add-to-cart"' in form
    ids = [str(v.pk) for v in kettle.variants.all()]
    for pk in ids:
        assert f'name="variant_id" value="{pk}"' in form
        assert f'<label for="variant-{pk}">' in form
    # Each variant says its price and stock without JavaScript; the in-stock one is picked.
    assert "¥149.00" in form and "Out of stock" in form
    default = kettle.variants.get(sku__startswith="T-")
    assert re.search(rf'value="{default.pk}"[^>]*data-in-stock="true"\s*checked', form)
    assert 'href="/c/kitchen/"' in html and 'href="/c/home-goods/"' in html  # breadcrumbs
    assert 'href="/p/teapot/"' in html  # similar: same category


def test_unknown_or_inactive_product_is_404(client, kettle):
    assert client.get("/p/nope/").status_code == 404
    assert client.get("/p/%00/").status_code == 404
    services.product_deactivate(kettle)
    assert client.get("/p/kettle/").status_code == 404


def test_gallery_thumbnails_are_links_and_images_have_alt(client, kettle):
    services.image_add(kettle, upload=png_file(), alt_text="Kettle front")
    services.image_add(kettle, upload=png_file("b.png"))
    html = client.get("/p/kettle/").content.decode()
    ids = re.findall(r'<li id="photo-(\d+)">', html)
    assert len(ids) == 2
    for pk in ids:
        assert f'href="#photo-{pk}"' in html
    assert 'alt="Kettle front"' in html
    assert not re.search(r"<img(?![^>]*\balt=)[^>]*>", html)  # every image has alt text


def test_product_page_records_a_view(client, kettle, monkeypatch):
    seen = []
    monkeypatch.setattr(
        suggestions._providers,
        "record",
        lambda kind, ids, user=None, visitor="": seen.append((kind, list(ids), user, visitor)),
    )
    response = client.get("/p/kettle/")
    # A guest who only browses: a random visitor cookie, no session row.
    cookie = response.cookies["shop_visitor"]
    assert seen == [("view", [kettle.pk], None, cookie.value)]
    assert len(cookie.value) == 32 and cookie["httponly"]
    client.get("/p/kettle/")
    assert seen[-1] == ("view", [kettle.pk], None, cookie.value)  # the same guest again
    session = client.session
    session["cart_token"] = "tok-1"
    session.save()
    client.get("/p/kettle/")
    assert seen[-1] == ("view", [kettle.pk], None, "tok-1")


def test_review_form_for_buyers_and_why_not_otherwise(client, kettle, user, other_user):
    html = client.get("/p/kettle/").content.decode()
    assert 'data-code="login_required"' in html
    client.force_login(other_user)
    html = client.get("/p/kettle/").content.decode()
    assert 'data-code="not_a_buyer"' in html and 'data-testid="review-form"' not in html
    deliver(user, kettle)
    client.force_login(user)
    html = client.get("/p/kettle/").content.decode()
    assert 'data-testid="review-form"' in html
    assert '<label for="id_body">' in html
    response = client.post(
        "/p/kettle/review/", {"rating": "4", "title": "Good", "body": "Boils fast."}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you for your review." in html
    assert "Boils fast." in html
    assert 'data-rating="4.00" data-count="1"' in html
    assert 'data-code="already_reviewed"' in html
    kettle.refresh_from_db()
    assert kettle.rating_avg == Decimal("4.00") and kettle.review_count == 1


def test_review_refused_for_a_non_buyer_post(client, kettle, other_user):
    client.force_login(other_user)
    response = client.post("/p/kettle/review/", {"rating": "5", "body": "!"}, follow=True)
    assert "Only customers who received this product may review it." in (response.content.decode())
    assert kettle.reviews.count() == 0
    client.logout()
    response = client.post("/p/kettle/review/", {"rating": "5", "body": "!"})
    assert response.status_code == 302 and "/account/login/" in response["Location"]


# --- Query counts ------------------------------------------------------------------------------------


@pytest.fixture
def big_shelf(make_product, user):
    """30 products in a subcategory, each with 3 variants and 2 images; the first has 5 reviews."""
    from accounts.tests.factories import UserFactory

    parent = CategoryFactory(slug="parent")
    category = CategoryFactory(slug="big", parent=parent)
    products = []
    for i in range(30):
        p = make_product(
            f"Item {i}", f"{i + 1}.00", category=category, stock=i % 2, slug=f"item-{i}"
        )
        for v in range(2):
            services.variant_create(p, sku=f"I{i}-{v}", name=f"Size {v}", price=f"{i + 2}.00")
        products.append(p)
    for p in products[:4]:
        services.image_add(p, upload=png_file())
        services.image_add(p, upload=png_file("2.png"))
    first = products[0]
    for _ in range(5):
        buyer = UserFactory()
        deliver(buyer, first)
        services.review_create(user=buyer, product=first, rating=4, body="Fine.")
    deliver(user, first)
    cache.clear()
    return products


def forget_cached_pages():
    """Not cache.clear(): with Redis the sessions live in the cache too."""
    catalog_cache_invalidate()


@pytest.mark.parametrize("logged_in", [False, True])
def test_listing_pages_query_counts(
    client, big_shelf, user, logged_in, django_assert_max_num_queries
):
    if logged_in:
        client.force_login(user)
    for url, params in [
        ("/c/parent/", {}),
        ("/c/big/", {"in_stock": "true", "ordering": "-price", "min_price": "1", "brand": ""}),
        ("/search/", {"q": "item"}),
        ("/search/", {"q": "itme"}),  # the typo fallback
        ("/search/", {"q": "nothing-like-it"}),  # empty: popular products
        ("/search/", {}),
    ]:
        forget_cached_pages()
        with django_assert_max_num_queries(12):
            response = client.get(url, params)
        assert response.status_code == 200
        assert response.wsgi_request.user.is_authenticated is logged_in
    forget_cached_pages()
    response = client.get("/c/parent/")
    assert len(names(response)) == 24
    client.get("/search/", {"q": "item"})
    # From the cache: the tree or the brands, and the session's user.
    with django_assert_max_num_queries(4 if logged_in else 2):
        client.get("/c/parent/")
    with django_assert_max_num_queries(4 if logged_in else 2):
        client.get("/search/", {"q": "item"})


@pytest.mark.parametrize("logged_in", [False, True])
def test_product_page_query_count(
    client, big_shelf, user, logged_in, django_assert_max_num_queries, flush_after_response_off
):
    if logged_in:
        client.force_login(user)
    forget_cached_pages()
    with django_assert_max_num_queries(12):
        response = client.get("/p/item-0/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('name="variant_id"') == 3
    assert html.count('data-testid="review"') == 5
    assert html.count('<li id="photo-') == 2
    assert ('data-testid="review-form"' in html) is logged_in


def test_product_under_a_hidden_category_is_404(client, kettle):
    services.category_update(kettle.category.parent, is_active=False)
    assert client.get("/p/kettle/").status_code == 404
    assert client.get("/p/hose/").status_code == 200

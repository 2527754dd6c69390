from decimal import Decimal

import pytest

from catalog.models import Product
from catalog.tests.factories import BrandFactory, CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/products/"


def slugs(response):
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


@pytest.fixture
def shelf(make_product):
    """Three products with different prices, dates, sales, ratings, brands and stock."""
    root = CategoryFactory(slug="electronics")
    child = CategoryFactory(slug="computers", parent=root)
    leaf = CategoryFactory(slug="laptops", parent=child)
    other = CategoryFactory(slug="kitchen")
    acme, zeta = BrandFactory(slug="acme"), BrandFactory(slug="zeta")
    a = make_product("Alpha", "30.00", category=leaf, brand=acme, stock=5, slug="alpha")
    b = make_product("Bravo", "10.00", category=child, brand=zeta, slug="bravo", is_featured=True)
    c = make_product("Charlie", "20.00", category=other, brand=acme, stock=1, slug="charlie")
    Product.objects.filter(pk=a.pk).update(sales_count=5, rating_avg=Decimal("3.00"))
    Product.objects.filter(pk=b.pk).update(sales_count=50, rating_avg=Decimal("4.50"))
    Product.objects.filter(pk=c.pk).update(sales_count=1, rating_avg=Decimal("5.00"))
    return {"alpha": a, "bravo": b, "charlie": c}


def test_list_item_fields(api_client, shelf):
    item = api_client.get(URL, {"search": "Alpha"}).json()["results"][0]
    assert item["slug"] == "alpha"
    assert item["price"] == "30.00"
    assert item["category"] == {"slug": "laptops", "name": shelf["alpha"].category.name}
    assert item["brand"]["slug"] == "acme"
    assert item["in_stock"] is True
    assert item["primary_image"] is None
    for key in ("id", "name", "compare_at_price", "rating_avg", "review_count"):
        assert key in item


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "electronics"}, {"alpha", "bravo"}),  # descendants of the root
        ({"category": "computers"}, {"alpha", "bravo"}),
        ({"category": "laptops"}, {"alpha"}),
        ({"category": "kitchen"}, {"charlie"}),
        ({"category": "no-such"}, set()),
        ({"brand": "acme"}, {"alpha", "charlie"}),
        ({"brand": "zeta"}, {"bravo"}),
        ({"min_price": "15"}, {"alpha", "charlie"}),
        ({"max_price": "20.00"}, {"bravo", "charlie"}),
        ({"min_price": "15", "max_price": "25"}, {"charlie"}),
        ({"featured": "true"}, {"bravo"}),
        ({"featured": "false"}, {"alpha", "charlie"}),
        ({"in_stock": "true"}, {"alpha", "charlie"}),
        ({"in_stock": "false"}, {"bravo"}),
        ({"search": "brav"}, {"bravo"}),
        ({"brand": "acme", "in_stock": "true", "max_price": "25"}, {"charlie"}),
    ],
)
def test_filters(api_client, shelf, params, expected):
    assert set(slugs(api_client.get(URL, params))) == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("price", ["bravo", "charlie", "alpha"]),
        ("-price", ["alpha", "charlie", "bravo"]),
        ("created_at", ["alpha", "bravo", "charlie"]),
        ("-created_at", ["charlie", "bravo", "alpha"]),
        ("name", ["alpha", "bravo", "charlie"]),
        ("-sales", ["bravo", "alpha", "charlie"]),
        ("-rating", ["charlie", "bravo", "alpha"]),
    ],
)
def test_orderings(api_client, shelf, ordering, expected):
    assert slugs(api_client.get(URL, {"ordering": ordering})) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"min_price": "abc"},
        {"max_price": "1e999999"},
        {"min_price": "-1"},
        {"ordering": "password"},
        {"in_stock": "maybe"},
        {"featured": "perhaps"},
        {"page_size": "abc"},
    ],
)
def test_bad_filter_values_are_400_not_500(api_client, shelf, params):
    response = api_client.get(URL, params)
    if "page_size" in params:  # DRF falls back to the default page size
        assert response.status_code == 200
    else:
        assert response.status_code == 400, response.content


def test_unknown_page_is_404(api_client, shelf):
    response = api_client.get(URL, {"page": "99"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_price_is_lowest_active_variant(
    merchant_client, api_client, make_product, django_capture_on_commit_callbacks
):
    p = make_product("Shirt", "50.00", slug="shirt")
    response = merchant_client.post(
        f"{URL}shirt/variants/",
        {"sku": "SHIRT-S", "name": "S", "price": "40.00", "compare_at_price": "60.00"},
    )
    assert response.status_code == 201, response.content
    detail = api_client.get(f"{URL}shirt/").json()
    assert detail["price"] == "40.00"
    assert detail["compare_at_price"] == "60.00"
    cheap = p.variants.get(sku="SHIRT-S")
    with django_capture_on_commit_callbacks(execute=True):
        response = merchant_client.patch(f"{URL}shirt/variants/{cheap.pk}/", {"is_active": False})
    assert response.status_code == 200
    detail = api_client.get(f"{URL}shirt/").json()
    assert detail["price"] == "50.00"
    assert detail["compare_at_price"] is None
    assert [v["sku"] for v in detail["variants"]] == [p.variants.exclude(pk=cheap.pk).get().sku]


def test_detail_fields(api_client, make_product):
    p = make_product("Lamp", "12.50", slug="lamp", stock=3, description="Bright.")
    p.attributes = {"material": "steel"}
    p.save()
    data = api_client.get(f"{URL}lamp/").json()
    assert data["description"] == "Bright."
    assert data["attributes"] == {"material": "steel"}
    assert data["images"] == []
    [variant] = data["variants"]
    assert variant["price"] == "12.50"
    assert variant["in_stock"] is True
    assert set(variant) >= {"id", "sku", "name", "price", "attributes", "in_stock"}
    assert "cost_price" not in variant


# --- writes and permissions --------------------------------------------------------------------


def test_merchant_creates_updates_and_soft_deletes(
    merchant_client, api_client, staff_client, django_capture_on_commit_callbacks
):
    category = CategoryFactory(slug="toys")
    BrandFactory(slug="lego")
    response = merchant_client.post(
        URL,
        {
            "name": "积木城堡",
            "category": "toys",
            "brand": "lego",
            "description": "A castle.",
            "attributes": {"pieces": 900},
            "variants": [{"sku": "CASTLE-1", "name": "Standard", "price": "299.00"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    slug = data["slug"]
    assert slug == "积木城堡"
    assert data["price"] == "299.00"
    assert data["category"]["slug"] == category.slug

    response = merchant_client.patch(f"{URL}{slug}/", {"name": "积木城堡 Deluxe"})
    assert response.status_code == 200
    assert response.json()["name"] == "积木城堡 Deluxe"

    assert api_client.get(f"{URL}{slug}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert merchant_client.delete(f"{URL}{slug}/").status_code == 204
    assert Product.objects.get(slug=slug).is_active is False
    # Gone for shoppers...
    assert api_client.get(f"{URL}{slug}/").status_code == 404
    assert slug not in slugs(api_client.get(URL))
    # ...even when they ask for inactive products,
    assert slug not in slugs(api_client.get(URL, {"include_inactive": "1"}))
    # but staff and merchants still see it.
    assert staff_client.get(f"{URL}{slug}/").status_code == 200
    assert slug not in slugs(staff_client.get(URL))
    assert slug in slugs(staff_client.get(URL, {"include_inactive": "1"}))
    assert slug in slugs(merchant_client.get(URL, {"include_inactive": "true"}))


def test_create_validation(merchant_client):
    CategoryFactory(slug="toys")
    response = merchant_client.post(
        URL,
        {"name": "X", "category": "toys", "variants": [{"sku": "A", "price": "-1.00"}]},
        format="json",
    )
    assert response.status_code == 400
    response = merchant_client.post(URL, {"name": "X", "category": "nope"}, format="json")
    assert response.status_code == 400
    assert "category" in response.json()


def test_duplicate_sku_is_400(merchant_client, make_product):
    make_product("A", sku="DUP-1", slug="a")
    response = merchant_client.post(f"{URL}a/variants/", {"sku": "DUP-1", "price": "1.00"})
    assert response.status_code == 400
    assert "sku" in response.json()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", URL, {"name": "X"}),
        ("patch", f"{URL}thing/", {"name": "Y"}),
        ("put", f"{URL}thing/", {"name": "Y"}),
        ("delete", f"{URL}thing/", None),
        ("post", f"{URL}thing/variants/", {"sku": "Z", "price": "1.00"}),
        ("post", f"{URL}thing/images/", {}),
        ("post", "/api/v1/categories/", {"name": "New"}),
    ],
)
def test_customer_writes_are_403_anonymous_401(
    user_client, api_client, make_product, method, path, body
):
    make_product("Thing", slug="thing")
    response = getattr(user_client, method)(path, body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    response = getattr(api_client, method)(path, body, format="json")
    assert response.status_code == 401
    assert Product.objects.get(slug="thing").name == "Thing"
    assert Product.objects.get(slug="thing").is_active


def test_variant_delete_keeps_referenced_rows(merchant_client, make_product):
    p = make_product("Mug", "8.00", slug="mug", stock=2)
    merchant_client.post(f"{URL}mug/variants/", {"sku": "MUG-RED", "price": "9.00"})
    stocked = p.variants.exclude(sku="MUG-RED").get()
    free = p.variants.get(sku="MUG-RED")
    assert merchant_client.delete(f"{URL}mug/variants/{free.pk}/").status_code == 204
    assert not p.variants.filter(pk=free.pk).exists()
    assert merchant_client.delete(f"{URL}mug/variants/{stocked.pk}/").status_code == 204
    stocked.refresh_from_db()
    assert stocked.is_active is False  # stock ledger refers to it
    p.refresh_from_db()
    assert p.price is None


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products/a%00b/",
        "/api/v1/products/a%00b/reviews/",
        "/api/v1/categories/a%00b/",
        "/api/v1/products/?search=a%00b",
        "/api/v1/products/?category=a%00b",
        "/api/v1/products/?brand=a%00b",
    ],
)
def test_nul_characters_never_500(api_client, make_product, path):
    make_product("Thing", slug="thing")
    response = api_client.get(path)
    assert response.status_code in (400, 404)


def test_nul_in_attributes_is_400(merchant_client, make_product):
    make_product("Thing", slug="thing")
    response = merchant_client.patch(
        f"{URL}thing/", {"attributes": {"colour": "red\u0000"}}, format="json"
    )
    assert response.status_code == 400
    assert "attributes" in response.json()

"""Content in Chinese and English: served by the request's language with a fallback to Chinese,
cached per language, searched in both, written per language by services, API and admin."""

import pytest
from django.test import Client
from django.utils import translation

from catalog import services
from catalog.models import Category, Product
from catalog.tests.factories import BrandFactory, CategoryFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def kettle(make_product):
    category = CategoryFactory(
        slug="tea", name_zh_hans="茶具", name_en="Tea sets", description_zh_hans="喝茶用"
    )
    brand = BrandFactory(slug="lotus", name_zh_hans="莲花", name_en="Lotus")
    product = make_product(
        "Electric kettle",
        "99.00",
        slug="kettle",
        category=category,
        brand=brand,
        name_zh_hans="电热水壶",
        short_description_zh_hans="快速烧水",
        short_description_en="Boils fast",
        description_zh_hans="不锈钢内胆。",
        description_en="",  # not translated yet: English falls back to Chinese
    )
    services.variant_update(product.variants.get(), name_zh_hans="标准", name_en="Standard")
    return product


def test_product_answers_follow_accept_language_with_chinese_fallback(api_client, kettle):
    en = api_client.get("/api/v1/products/kettle/", **EN).json()
    zh = api_client.get("/api/v1/products/kettle/", **ZH).json()

    assert (en["name"], en["short_description"]) == ("Electric kettle", "Boils fast")
    assert en["description"] == "不锈钢内胆。"  # no English yet
    assert (en["category"]["name"], en["brand"]["name"]) == ("Tea sets", "Lotus")
    assert en["variants"][0]["name"] == "Standard"
    assert (zh["name"], zh["short_description"], zh["description"]) == (
        "电热水壶",
        "快速烧水",
        "不锈钢内胆。",
    )
    assert (zh["category"]["name"], zh["brand"]["name"]) == ("茶具", "莲花")
    assert zh["variants"][0]["name"] == "标准"
    # Slugs stay single.
    assert en["slug"] == zh["slug"] == "kettle"
    assert en["category"]["slug"] == zh["category"]["slug"] == "tea"

    [listed_en] = api_client.get("/api/v1/products/", **EN).json()["results"]
    [listed_zh] = api_client.get("/api/v1/products/", **ZH).json()["results"]
    assert (listed_en["name"], listed_zh["name"]) == ("Electric kettle", "电热水壶")


def test_category_answers_follow_accept_language(api_client, kettle):
    CategoryFactory(slug="untranslated", name_zh_hans="杂货", name_en=None)
    by_slug = {c["slug"]: c for c in api_client.get("/api/v1/categories/", **EN).json()["results"]}
    assert by_slug["tea"]["name"] == "Tea sets"
    assert by_slug["tea"]["description"] == "喝茶用"
    assert by_slug["untranslated"]["name"] == "杂货"  # fallback
    tree = api_client.get("/api/v1/categories/tree/", **ZH).json()
    assert {node["name"] for node in tree} == {"茶具", "杂货"}


def test_an_english_answer_is_never_served_to_a_chinese_request_from_cache(api_client, kettle):
    for url in ("/api/v1/products/", "/api/v1/products/kettle/", "/api/v1/home/"):
        api_client.get(url, **EN)
        api_client.get(url, **EN)  # cached now
    detail = api_client.get("/api/v1/products/kettle/", **ZH).json()
    assert detail["name"] == "电热水壶"
    assert api_client.get("/api/v1/products/", **ZH).json()["results"][0]["name"] == "电热水壶"
    assert api_client.get("/api/v1/products/kettle/", **EN).json()["name"] == "Electric kettle"


@pytest.mark.parametrize(
    "terms", ["kettle", "Electric", "电热", "水壶", "Lotus", "莲花", "Tea sets", "茶具", "Boils"]
)
def test_search_finds_a_product_by_its_words_in_either_language(api_client, kettle, terms):
    for language in (EN, ZH):
        response = api_client.get("/api/v1/products/", {"search": terms}, **language)
        assert [p["slug"] for p in response.json()["results"]] == ["kettle"], (terms, language)


def test_services_take_each_language(make_product):
    category = services.category_create(name="Lamps", name_en="Lamps", name_zh_hans="灯具")
    product = services.product_create(
        name="Desk lamp",
        name_zh_hans="台灯",
        category=category,
        variants=[{"sku": "LAMP-1", "price": "30.00", "name_zh_hans": "白色", "name_en": "White"}],
    )
    services.product_update(product, description_en="Warm light.", description_zh_hans="暖光。")
    product = Product.objects.get(pk=product.pk)
    with translation.override("zh-hans"):
        assert (product.name, product.description, product.category.name) == (
            "台灯",
            "暖光。",
            "灯具",
        )
        assert product.variants.get().name == "白色"
    with translation.override("en"):
        assert (product.name, product.description) == ("Desk lamp", "Warm light.")
        assert product.variants.get().name == "White"
    services.category_update(category, name_en="Lighting")
    assert Category.objects.get(pk=category.pk).name_en == "Lighting"


def test_a_plain_name_fills_the_chinese_column_of_a_new_row():
    """Whatever the active language, a row created with only `name` has Chinese text, so the
    fallback of every language shows something."""
    with translation.override("en"):
        category = services.category_create(name="Garden")
    assert (category.name_zh_hans, category.name_en) == ("Garden", "Garden")
    with translation.override("zh-hans"):
        other = services.category_create(name="花园")
    assert (other.name_zh_hans, other.name_en) == ("花园", None)
    with translation.override("en"):
        assert Category.objects.get(pk=other.pk).name == "花园"  # the fallback


def test_merchant_writes_both_languages_through_the_api(merchant_client, api_client, kettle):
    body = {
        "name": "Teapot",
        "name_zh_hans": "茶壶",
        "name_en": "Teapot",
        "category": "tea",
        "variants": [{"sku": "POT-1", "price": "39.00", "name_zh_hans": "小", "name_en": "Small"}],
    }
    response = merchant_client.post("/api/v1/products/", body, format="json", **EN)
    assert response.status_code == 201, response.content
    slug = response.json()["slug"]
    assert api_client.get(f"/api/v1/products/{slug}/", **ZH).json()["name"] == "茶壶"
    response = merchant_client.patch(
        f"/api/v1/products/{slug}/", {"description_en": "Holds four cups."}, format="json"
    )
    assert response.status_code == 200, response.content
    detail = api_client.get(f"/api/v1/products/{slug}/", **EN).json()
    assert (detail["name"], detail["description"]) == ("Teapot", "Holds four cups.")
    assert detail["variants"][0]["name"] == "Small"


def test_admin_edits_the_languages_side_by_side(staff, kettle):
    client = Client()
    client.force_login(staff)
    for url in (
        f"/admin/catalog/product/{kettle.pk}/change/",
        f"/admin/catalog/category/{kettle.category_id}/change/",
        f"/admin/catalog/brand/{kettle.brand_id}/change/",
        "/admin/catalog/product/add/",
        "/admin/catalog/category/add/",
        f"/admin/catalog/productvariant/{kettle.variants.get().pk}/change/",
        "/admin/catalog/banner/add/",
        "/admin/catalog/homesection/add/",
    ):
        html = client.get(url).content.decode()
        field = "title" if "banner" in url or "homesection" in url else "name"
        assert f'name="{field}_zh_hans"' in html and f'name="{field}_en"' in html, url
        assert "googleapis" not in html  # no CDN
    search = client.get("/admin/catalog/product/", {"q": "电热"}).content.decode()
    assert "kettle" in search


@pytest.mark.postgres
def test_postgres_search_vector_holds_both_languages(kettle):
    from django.contrib.postgres.search import SearchQuery

    for word in ("electric", "kettle", "lotus", "莲花", "boils", "茶具"):
        query = SearchQuery(word, config="simple")
        assert Product.objects.filter(search_vector=query).exists(), word

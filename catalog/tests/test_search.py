import pytest

from catalog import services
from catalog.tests.factories import BrandFactory, CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/products/"


def search(client, terms, **params):
    response = client.get(URL, {"search": terms, **params})
    assert response.status_code == 200, response.content
    return [p["name"] for p in response.json()["results"]]


@pytest.fixture
def catalogue(make_product):
    computers = CategoryFactory(name="Computers", slug="computers")
    audio = CategoryFactory(name="Audio", slug="audio")
    apple = BrandFactory(name="Fruitco", slug="fruitco")
    make_product("Laptop Sleeve", "20.00", category=computers, description="Fits a laptop.")
    make_product("Laptop", "999.00", category=computers, brand=apple, sku="LT-13")
    make_product("Gaming Laptop Pro", "1999.00", category=computers)
    make_product("Wireless Mouse", "30.00", category=computers, description="For any laptop.")
    make_product("无线蓝牙耳机", "199.00", category=audio, description="降噪")
    make_product("Garden Hose", "15.00", category=CategoryFactory(name="Garden"))


def test_substring_search_everywhere(api_client, catalogue):
    assert set(search(api_client, "laptop")) == {
        "Laptop Sleeve",
        "Laptop",
        "Gaming Laptop Pro",
        "Wireless Mouse",
    }
    assert search(api_client, "蓝牙") == ["无线蓝牙耳机"]
    assert search(api_client, "fruitco") == ["Laptop"]  # brand
    assert search(api_client, "LT-13") == ["Laptop"]  # SKU
    assert search(api_client, "hose") == ["Garden Hose"]
    assert search(api_client, "nothing-like-this") == []


def test_exact_name_first_and_explicit_ordering_wins(api_client, catalogue):
    assert search(api_client, "laptop")[0] == "Laptop"
    assert search(api_client, "laptop", ordering="price")[0] == "Laptop Sleeve"


def test_search_combines_with_filters(api_client, catalogue):
    assert set(search(api_client, "laptop", max_price="100")) == {"Laptop Sleeve", "Wireless Mouse"}


@pytest.mark.postgres
def test_postgres_relevance(api_client, catalogue):
    names = search(api_client, "laptop")
    assert names[0] == "Laptop"
    # Name matches (weight A) rank above description-only matches (weight D).
    assert names.index("Gaming Laptop Pro") < names.index("Wireless Mouse")
    assert names.index("Laptop Sleeve") < names.index("Wireless Mouse")


@pytest.mark.postgres
@pytest.mark.parametrize("typo", ["lapto", "lpatop", "laptpo", "Labtop"])
def test_postgres_typo_found_by_trigrams(api_client, catalogue, typo):
    names = search(api_client, typo)
    assert "Laptop" in names
    assert "Garden Hose" not in names


@pytest.mark.postgres
def test_postgres_search_vector_follows_edits(
    api_client, catalogue, django_capture_on_commit_callbacks
):
    from catalog.models import Product

    product = Product.objects.get(name="Garden Hose")
    assert search(api_client, "sprinkler") == []
    with django_capture_on_commit_callbacks(execute=True):
        services.product_update(product, description="Works with any sprinkler.")
    assert search(api_client, "sprinkler") == ["Garden Hose"]
    with django_capture_on_commit_callbacks(execute=True):
        services.variant_create(product, sku="HOSE-XL", price="25.00")
    assert search(api_client, "HOSE-XL") == ["Garden Hose"]
    brand = BrandFactory(name="Greenthumb")
    with django_capture_on_commit_callbacks(execute=True):
        services.product_update(product, brand=brand)
    assert search(api_client, "greenthumb") == ["Garden Hose"]


@pytest.mark.postgres
def test_postgres_typos_are_a_fallback(api_client, make_product):
    """Trigram neighbours join in only when the words themselves match nothing: a correct word
    is not padded with every name sharing a few letters (and does not pay for finding them)."""
    phones = CategoryFactory(name="Phones")
    make_product("Smartphones 12", "299.00", category=phones)
    make_product("Phones for seniors", "49.00", category=phones)
    assert search(api_client, "Smartphones") == ["Smartphones 12"]
    assert set(search(api_client, "Smratphones")) == {"Smartphones 12", "Phones for seniors"}
    assert search(api_client, "Smratphones")[0] == "Smartphones 12"


@pytest.mark.parametrize("typo", ["lpatop", "laptpo", "Labtop"])
def test_typo_found_on_every_database(api_client, catalogue, typo):
    """PostgreSQL by trigrams, the embedded default by comparing words in Python: the same rule."""
    names = search(api_client, typo)
    assert "Laptop" in names
    assert "Garden Hose" not in names


def test_search_match_says_when_only_the_typo_fallback_matched(catalogue):
    from catalog.queries import product_list, product_search_match, search_correction

    exact = product_search_match(product_list(), "laptop")
    assert exact.typo is False and exact.products.count() == 4
    typo = product_search_match(product_list(), "lpatop")
    assert typo.typo is True
    found = [p.name for p in typo.products]
    assert "Laptop" in found
    assert search_correction("lpatop", found) == "laptop"
    assert search_correction("gaming lpatop", ["Gaming Laptop Pro"]) == "gaming laptop"
    assert search_correction("laptop", ["Laptop"]) == ""  # nothing to correct
    assert search_correction("zzz", []) == ""

"""Query counts of the hot endpoints, pinned (cache cleared: these are the cold answers)."""

import pytest
from django.core.cache import cache

from catalog import services
from catalog.tests.conftest import png_file
from catalog.tests.factories import BrandFactory, CategoryFactory

pytestmark = pytest.mark.django_db


def _shelf(make_product, n):
    category, brand = CategoryFactory(), BrandFactory()
    products = []
    for i in range(n):
        p = make_product(f"Item {i}", f"{i + 1}.00", category=category, brand=brand, stock=i % 2)
        products.append(p)
    for p in products[:3]:
        services.image_add(p, upload=png_file())
    return products


@pytest.mark.parametrize("n", [5, 50])
def test_product_list_queries(
    api_client, user_client, make_product, n, django_assert_max_num_queries
):
    _shelf(make_product, n)
    cache.clear()
    # The category tree (which categories are hidden: a product shows only under a fully active
    # branch), count, page, primary images.
    with django_assert_max_num_queries(4):
        response = api_client.get("/api/v1/products/", {"page_size": 50})
    assert len(response.json()["results"]) == n
    cache.clear()
    with django_assert_max_num_queries(5):  # + the session's user
        response = user_client.get(
            "/api/v1/products/", {"page_size": 50, "in_stock": "true", "ordering": "-price"}
        )
    assert response.json()["count"] == n // 2  # odd items have stock


def test_product_detail_queries(
    api_client, staff_client, make_product, django_assert_max_num_queries
):
    [p, *_] = _shelf(make_product, 1)
    for i in range(4):
        services.variant_create(p, sku=f"V-{i}", name=str(i), price="3.00")
    cache.clear()
    with django_assert_max_num_queries(8):
        response = api_client.get(f"/api/v1/products/{p.slug}/")
    assert len(response.json()["variants"]) == 5
    assert len(response.json()["images"]) == 1
    with django_assert_max_num_queries(8):
        response = staff_client.get(f"/api/v1/products/{p.slug}/")
    assert response.status_code == 200


def test_cached_answers_cost_no_query(api_client, make_product, django_assert_max_num_queries):
    p = make_product("Cached", slug="cached")
    api_client.get("/api/v1/products/")
    api_client.get(f"/api/v1/products/{p.slug}/")
    with django_assert_max_num_queries(0):
        assert api_client.get("/api/v1/products/").status_code == 200
        assert api_client.get(f"/api/v1/products/{p.slug}/").status_code == 200


def test_tree_queries(api_client, django_assert_max_num_queries):
    parent = None
    for _depth in range(5):
        parent = CategoryFactory(parent=parent)
        for _ in range(3):
            CategoryFactory(parent=parent)
    with django_assert_max_num_queries(2):
        response = api_client.get("/api/v1/categories/tree/")
    assert response.status_code == 200

"""A shopper sees a product only if it is active, has a price, and its category and every ancestor
of that category are active (a hidden branch hides its products everywhere)."""

import pytest

from catalog import services
from catalog.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(make_product):
    root = CategoryFactory(name="Root", slug="root")
    child = CategoryFactory(name="Child", slug="child", parent=root)
    grandchild = CategoryFactory(name="Grandchild", slug="grandchild", parent=child)
    other = CategoryFactory(name="Other", slug="other")
    make_product("Lamp deep", slug="deep", category=grandchild)
    make_product("Lamp child", slug="in-child", category=child)
    make_product("Lamp other", slug="elsewhere", category=other)
    return root, child, grandchild, other


def _slugs(client, **params):
    response = client.get("/api/v1/products/", params)
    assert response.status_code == 200
    return sorted(p["slug"] for p in response.json()["results"])


def test_inactive_ancestor_hides_products_everywhere(
    api_client, staff_client, shelf, django_capture_on_commit_callbacks
):
    root, child, _grandchild, _other = shelf
    # Cached answers first: the deactivation must reach them too.
    assert _slugs(api_client) == ["deep", "elsewhere", "in-child"]
    assert api_client.get("/api/v1/products/deep/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        services.category_update(child, is_active=False)

    assert _slugs(api_client) == ["elsewhere"]
    assert _slugs(api_client, category="root") == []
    assert _slugs(api_client, category="child") == []
    assert _slugs(api_client, category="grandchild") == []
    assert _slugs(api_client, search="Lamp") == ["elsewhere"]
    assert api_client.get("/api/v1/products/deep/").status_code == 404
    assert api_client.get("/api/v1/products/in-child/").status_code == 404
    assert api_client.get("/api/v1/products/elsewhere/").status_code == 200
    assert api_client.get("/api/v1/categories/child/").status_code == 404
    assert api_client.get("/api/v1/categories/grandchild/").status_code == 404
    listed = [c["slug"] for c in api_client.get("/api/v1/categories/").json()["results"]]
    assert sorted(listed) == ["other", "root"]
    # Staff still see and edit them.
    assert staff_client.get("/api/v1/products/deep/").status_code == 200
    assert "deep" in _slugs(staff_client, include_inactive="1")

    # Deactivating the root hides the whole branch; reactivating the child alone does not help.
    with django_capture_on_commit_callbacks(execute=True):
        services.category_update(root, is_active=False)
        services.category_update(child, is_active=True)
    assert api_client.get("/api/v1/products/deep/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        services.category_update(root, is_active=True)
    assert _slugs(api_client) == ["deep", "elsewhere", "in-child"]
    assert api_client.get("/api/v1/products/deep/").status_code == 200


def test_home_page_hides_products_of_inactive_categories(client, shelf):
    _root, child, _grandchild, _other = shelf
    services.category_update(child, is_active=False)
    content = client.get("/").content.decode()
    assert "Lamp other" in content
    assert "Lamp deep" not in content and "Lamp child" not in content


def test_category_filter_of_active_branch_keeps_working(api_client, shelf):
    assert _slugs(api_client, category="child") == ["deep", "in-child"]

import pytest
from django.core.exceptions import ValidationError

from catalog import queries, services
from catalog.models import Category
from catalog.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/categories/"


@pytest.fixture
def tree():
    root = CategoryFactory(slug="root", name="Root", sort_order=1)
    a = CategoryFactory(slug="a", name="A", parent=root, sort_order=1)
    b = CategoryFactory(slug="b", name="B", parent=root, sort_order=2)
    a1 = CategoryFactory(slug="a1", name="A1", parent=a)
    hidden = CategoryFactory(slug="hidden", name="Hidden", parent=b, is_active=False)
    CategoryFactory(slug="under-hidden", name="Under hidden", parent=hidden)
    other = CategoryFactory(slug="other", name="Other", sort_order=2)
    return {"root": root, "a": a, "b": b, "a1": a1, "hidden": hidden, "other": other}


def test_tree_nested_in_one_query(api_client, tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = api_client.get(f"{URL}tree/")
    assert response.status_code == 200
    data = response.json()
    assert [n["slug"] for n in data] == ["root", "other"]
    root = data[0]
    assert [n["slug"] for n in root["children"]] == ["a", "b"]
    assert root["children"][0]["children"][0]["slug"] == "a1"
    assert root["children"][0]["children"][0]["depth"] == 2
    # An inactive category hides its branch from shoppers.
    assert root["children"][1]["children"] == []


def test_staff_tree_includes_inactive(staff_client, tree):
    data = staff_client.get(f"{URL}tree/").json()
    b = data[0]["children"][1]
    assert b["children"][0]["slug"] == "hidden"
    assert b["children"][0]["children"][0]["slug"] == "under-hidden"


def test_descendants(tree):
    ids = queries.category_descendant_ids(tree["root"].pk)
    slugs = set(Category.objects.filter(pk__in=ids).values_list("slug", flat=True))
    assert slugs == {"root", "a", "b", "a1", "hidden", "under-hidden"}
    assert queries.category_descendant_ids_by_slug("a") == {tree["a"].pk, tree["a1"].pk}
    assert queries.category_descendant_ids_by_slug("nope") == set()


def test_list_and_detail(api_client, tree):
    slugs = [c["slug"] for c in api_client.get(URL, {"page_size": 100}).json()["results"]]
    assert "hidden" not in slugs and "a1" in slugs
    data = api_client.get(f"{URL}a1/").json()
    assert data["parent"] == "a"
    assert api_client.get(f"{URL}hidden/").status_code == 404


def test_staff_crud_and_cycles(staff_client, tree):
    response = staff_client.post(URL, {"name": "手机", "parent": "a1"})
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "手机"
    # Moving root under its own grandchild would make a cycle.
    response = staff_client.patch(f"{URL}root/", {"parent": "a1"})
    assert response.status_code == 400
    assert "parent" in response.json()
    response = staff_client.patch(f"{URL}root/", {"parent": "root"})
    assert response.status_code == 400
    response = staff_client.patch(f"{URL}a/", {"parent": "other"})
    assert response.status_code == 200
    assert Category.objects.get(slug="a").parent.slug == "other"


def test_delete_rules(staff_client, tree, make_product):
    make_product("Thing", category=tree["a1"], is_active=False)
    response = staff_client.delete(f"{URL}a1/")
    assert response.status_code == 409
    assert response.json()["code"] == "category_has_products"
    response = staff_client.delete(f"{URL}a/")
    assert response.status_code == 409
    assert response.json()["code"] == "category_has_children"
    assert staff_client.delete(f"{URL}other/").status_code == 204
    assert not Category.objects.filter(slug="other").exists()


def test_merchant_and_customer_cannot_write_categories(merchant_client, user_client, tree):
    assert merchant_client.post(URL, {"name": "X"}).status_code == 403
    assert user_client.delete(f"{URL}other/").status_code == 403
    assert Category.objects.filter(slug="other").exists()


def test_service_refuses_cycle(tree):
    with pytest.raises(ValidationError):
        services.category_update(tree["a"], parent=tree["a1"])

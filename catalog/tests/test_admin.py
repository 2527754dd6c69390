from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import Client

from catalog.models import Category, Product, ProductVariant, Review
from catalog.tests.conftest import deliver
from catalog.tests.factories import BrandFactory, CategoryFactory

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_merchant_reaches_product_admin_customer_does_not(merchant, user, make_product):
    make_product("Visible in admin")
    response = logged_in(merchant).get("/admin/catalog/product/")
    assert response.status_code == 200
    assert b"Visible in admin" in response.content
    assert logged_in(merchant).get("/admin/catalog/category/").status_code == 200
    response = logged_in(user).get("/admin/catalog/product/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_category_admin_indents_tree(staff):
    root = CategoryFactory(name="Root-cat", sort_order=1)
    CategoryFactory(name="Child-cat", parent=root, sort_order=9)
    CategoryFactory(name="Another-root-cat", sort_order=2)
    content = logged_in(staff).get("/admin/catalog/category/").content.decode()
    assert content.index("Root-cat") < content.index("Child-cat") < content.index("Another-root")
    assert "padding-left:1.5em" in content


def _inline_management(prefix, total):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_admin_add_with_variants_sets_price(merchant, django_capture_on_commit_callbacks):
    category, brand = CategoryFactory(), BrandFactory()
    data = {
        "name_zh_hans": "管理水壶",
        "name_en": "Admin kettle",
        "slug": "admin-kettle",
        "category": category.pk,
        "brand": brand.pk,
        "attributes": "{}",
        "is_active": "on",
        "requires_shipping": "on",
        **_inline_management("variants", 2),
        **_inline_management("images", 0),
        "variants-0-sku": "AK-1",
        "variants-0-name_en": "Small",
        "variants-0-price": "59.00",
        "variants-0-attributes": "{}",
        "variants-0-is_active": "on",
        "variants-0-sort_order": "0",
        "variants-1-sku": "AK-2",
        "variants-1-name_en": "Large",
        "variants-1-price": "49.00",
        "variants-1-compare_at_price": "69.00",
        "variants-1-attributes": "{}",
        "variants-1-is_active": "on",
        "variants-1-sort_order": "1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(merchant).post("/admin/catalog/product/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get(slug="admin-kettle")
    assert product.price == Decimal("49.00")
    assert product.compare_at_price == Decimal("69.00")


def test_bulk_actions(merchant, make_product):
    a, b = make_product("A"), make_product("B")
    client = logged_in(merchant)
    url = "/admin/catalog/product/"
    client.post(url, {"action": "make_inactive", "_selected_action": [a.pk, b.pk]})
    assert not Product.objects.filter(is_active=True).exists()
    client.post(url, {"action": "make_featured", "_selected_action": [a.pk]})
    client.post(url, {"action": "make_active", "_selected_action": [a.pk]})
    a.refresh_from_db()
    assert a.is_active and a.is_featured


def test_review_hide_action_updates_rating(staff, user, other_user, make_product):
    from catalog import services

    product = make_product("Rated")
    deliver(user, product)
    deliver(other_user, product)
    services.review_create(user=user, product=product, rating=5, body="great")
    low = services.review_create(user=other_user, product=product, rating=1, body="bad")
    response = logged_in(staff).post(
        "/admin/catalog/review/", {"action": "hide", "_selected_action": [low.pk]}
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.review_count, product.rating_avg) == (1, Decimal("5.00"))
    assert not Review.objects.get(pk=low.pk).is_visible


def test_category_admin_delete_with_products_refused(staff, make_product):
    category = CategoryFactory()
    make_product("In it", category=category)
    client = logged_in(staff)
    response = client.post(f"/admin/catalog/category/{category.pk}/delete/", {"post": "yes"})
    assert Category.objects.filter(pk=category.pk).exists()
    assert response.status_code == 200  # the "protected objects" page, nothing deleted


def test_reviews_cannot_be_deleted_in_the_admin_only_hidden(staff):
    """A deletion would bypass the service that keeps the product's rating and count correct."""
    from catalog.tests.factories import ProductFactory

    product = ProductFactory()
    review = Review.objects.create(product=product, user=staff, rating=1, body="Broke at once.")
    client = logged_in(staff)

    response = client.post(f"/admin/catalog/review/{review.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    response = client.post(
        "/admin/catalog/review/",
        {"action": "delete_selected", "_selected_action": [review.pk], "post": "yes"},
    )
    assert Review.objects.filter(pk=review.pk).exists()


def _change_form_data(response):
    """The POST data of an admin change page as rendered (main form, inlines, management forms)."""
    from django.db.models.fields.files import FieldFile

    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False or isinstance(value, FieldFile):
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def test_variant_deleted_in_product_inline_is_only_deactivated_when_referenced(
    merchant, make_product, django_capture_on_commit_callbacks
):
    from catalog import services
    from catalog.models import ProductVariant

    product = make_product("Three sizes", "20.00", sku="TS-S", stock=3)
    sold = services.variant_create(product, sku="TS-M", name="Medium", price="7.00")
    spare = services.variant_create(product, sku="TS-L", name="Large", price="5.00")
    order = deliver(merchant, product)
    order.lines.update(variant=sold)
    client = logged_in(merchant)
    url = f"/admin/catalog/product/{product.pk}/change/"

    def delete_in_inline(*skus):
        page = client.get(url)
        data = _change_form_data(page)
        for i, form in enumerate(page.context["inline_admin_formsets"][0].formset.forms):
            if form.instance.sku in skus:
                data[f"variants-{i}-DELETE"] = "on"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == 302, response.context and response.context["errors"]

    rows = ProductVariant.objects.filter(product=product).order_by("sku")
    # An order line refers to TS-M: kept (the order's history), deactivated. TS-L: deleted.
    delete_in_inline("TS-M", "TS-L")
    assert list(rows.values_list("sku", "is_active")) == [("TS-M", False), ("TS-S", True)]
    assert order.lines.get().variant_id == sold.pk
    assert not ProductVariant.objects.filter(pk=spare.pk).exists()
    # Stock (and its movements) refer to TS-S: deactivated, where the admin used to refuse.
    delete_in_inline("TS-S")
    assert list(rows.values_list("sku", "is_active")) == [("TS-M", False), ("TS-S", False)]
    product.refresh_from_db()
    assert product.price is None


def test_brand_deletion_in_admin_refreshes_its_products(
    staff, api_client, make_product, django_capture_on_commit_callbacks
):
    brand, other = BrandFactory(name="Acme"), BrandFactory(name="Zeta")
    make_product("Anvil", brand=brand, slug="anvil")
    make_product("Rope", brand=other, slug="rope")
    assert api_client.get("/api/v1/products/anvil/").json()["brand"]["name"] == "Acme"
    assert api_client.get("/api/v1/products/rope/").json()["brand"]["name"] == "Zeta"
    client = logged_in(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/catalog/brand/{brand.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert api_client.get("/api/v1/products/anvil/").json()["brand"] is None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/catalog/brand/",
            {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert api_client.get("/api/v1/products/rope/").json()["brand"] is None


def test_category_admin_clears_image(staff):
    from catalog.tests.conftest import png_file

    category = CategoryFactory(name="Pictured")
    category.image.save("cat.png", png_file())
    client = logged_in(staff)
    url = f"/admin/catalog/category/{category.pk}/change/"
    data = _change_form_data(client.get(url))
    data["image-clear"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302
    category.refresh_from_db()
    assert not category.image


def test_category_changelist_counts_products_in_one_query(staff, make_product):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(staff)

    def queries_for_changelist():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/catalog/category/").status_code == 200
        return len(ctx)

    category = CategoryFactory()
    make_product("One", category=category)
    make_product("Two", category=category)
    few = queries_for_changelist()
    for _ in range(6):
        CategoryFactory()
    assert queries_for_changelist() == few
    page = client.get("/admin/catalog/category/")
    row = next(c for c in page.context["cl"].result_list if c.pk == category.pk)
    assert page.context["cl"].model_admin.product_count(row) == 2


def test_review_hide_action_on_the_visible_filter_says_how_many_it_hid(staff, user, make_product):
    # The action's queryset carries the list's filter (visible only): counted after hiding, it
    # said "0 reviews hidden".
    from catalog import services

    product = make_product("Rated")
    deliver(user, product)
    review = services.review_create(user=user, product=product, rating=4, body="ok")
    response = logged_in(staff).post(
        "/admin/catalog/review/?is_visible__exact=1",
        {"action": "hide", "_selected_action": [review.pk]},
        follow=True,
    )
    assert "1 review hidden." in [str(m) for m in response.context["messages"]]
    assert not Review.objects.get(pk=review.pk).is_visible


@pytest.mark.parametrize("lead", ["=", "+", "-", "@"])
def test_variant_export_neutralises_formulae(staff, make_product, lead):
    """Product and variant names go out as text in CSV and Excel, never as a formula."""
    import csv
    import io

    import openpyxl  # type: ignore[import-untyped]

    product = make_product(f"{lead}cmd|' /C calc'!A0", Decimal("12.50"))
    product.variants.update(name=f"{lead}1+1")
    client = logged_in(staff)
    columns = ("sku", "product_name", "name", "price")
    data = {f"variantresource_{c}": "on" for c in columns}
    response = client.post(
        "/admin/catalog/productvariant/export/", {"format": "0", "resource": "0", **data}
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["product_name"] == f"'{lead}cmd|' /C calc'!A0"
    assert rows[0]["name"] == f"'{lead}1+1"
    assert rows[0]["price"] == "12.50"
    formats = admin.site._registry[ProductVariant].get_export_formats()
    xlsx = next(i for i, f in enumerate(formats) if f().get_title() == "xlsx")
    response = client.post(
        "/admin/catalog/productvariant/export/",
        {"format": str(xlsx), "resource": "0", **data},
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [cell.value for cell in sheet[2]]
    assert f"'{lead}1+1" in names
    assert all(not str(v).startswith(lead) for v in names if v is not None)

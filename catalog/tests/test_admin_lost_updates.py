"""Product and variant edits (admin and services) write only what was edited: the price, rating,
sales count and stock flag a service committed meanwhile stay."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.models import Brand, Product, ProductVariant
from catalog.tests.conftest import deliver
from core.testing.admin_race import change_form_data, race_admin_save


def product_url(product):
    return f"/admin/catalog/product/{product.pk}/change/"


@pytest.fixture
def admin_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def rated(make_product, user, other_user):
    """A product with a 5 and a 1 review (rating 3.00); returns it and the low review."""
    product = make_product("Rated", "20.00")
    deliver(user, product)
    deliver(other_user, product)
    services.review_create(user=user, product=product, rating=5, body="great")
    low = services.review_create(user=other_user, product=product, rating=1, body="bad")
    product.refresh_from_db()
    assert (product.rating_avg, product.review_count) == (Decimal("3.00"), 2)
    return product, low


def set_list(queries, table):
    updates = [q["sql"] for q in queries if q["sql"].startswith(f'UPDATE "{table}" SET')]
    return [sql.split(" SET ", 1)[1].split(" WHERE ")[0] for sql in updates]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_product_rename_racing_services_keeps_their_columns(admin_client, rated):
    product, low = rated
    variant = product.variants.get()
    data = change_form_data(admin_client, product_url(product), name_en="Rated, renamed")

    def services_commit():
        services.review_hide(low)  # rating 5.00 over 1 review
        services.variant_update(variant, price=Decimal("15.00"))  # product price follows
        # Units sold: nothing but a counter writes it (never a form).
        Product.objects.filter(pk=product.pk).update(sales_count=F("sales_count") + 3)

    response, _ = race_admin_save(
        lambda: admin_client.post(product_url(product), data), services_commit, "catalog_product"
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Rated, renamed"
    assert (product.rating_avg, product.review_count) == (Decimal("5.00"), 1)
    assert product.sales_count == 3
    assert product.price == Decimal("15.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_variant_inline_edit_racing_variant_update_keeps_the_price(admin_client, make_product):
    product = make_product("Shirt", "20.00")
    variant = product.variants.get()
    # The product's own field too: the admin then writes both rows, as variant_update does.
    changes = {"name_en": "Shirt, renamed", "variants-0-name_en": "Blue"}
    data = change_form_data(admin_client, product_url(product), **changes)

    response, _ = race_admin_save(
        lambda: admin_client.post(product_url(product), data),
        lambda: services.variant_update(variant, price=Decimal("12.50")),
        "catalog_productvariant",
    )

    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.name, variant.price) == ("Blue", Decimal("12.50"))
    product.refresh_from_db()
    assert product.name == "Shirt, renamed"
    assert product.price == Decimal("12.50")  # the minimum follows the committed price


@pytest.mark.django_db
def test_product_rename_writes_only_the_name(admin_client, rated):
    product, _ = rated
    data = change_form_data(admin_client, product_url(product), name_en="Renamed")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(product_url(product), data)

    assert response.status_code == 302
    first = set_list(queries, "catalog_product")[0]  # the form's save; then product_sync's
    # Each language's name is a column of its own: the English edit writes name_en alone.
    assert first.startswith('"name_en" = ') and '"updated_at"' in first
    assert '"name_zh_hans"' not in first
    for column in ("price", "rating_avg", "review_count", "sales_count", "in_stock", "slug"):
        assert f'"{column}"' not in first
    assert not set_list(queries, "catalog_productvariant")  # no inline row was edited
    product.refresh_from_db()
    assert (product.name, product.rating_avg, product.review_count) == (
        "Renamed",
        Decimal("3.00"),
        2,
    )


@pytest.mark.django_db
def test_variant_inline_edit_writes_only_the_edited_column(admin_client, make_product):
    product = make_product("Shirt", "20.00")
    data = change_form_data(admin_client, product_url(product), **{"variants-0-name_en": "Blue"})

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(product_url(product), data)

    assert response.status_code == 302
    (only,) = set_list(queries, "catalog_productvariant")
    assert only.startswith('"name_en" = ') and '"price"' not in only and '"sku"' not in only
    assert product.variants.get().name == "Blue"


@pytest.mark.django_db
def test_variant_admin_edit_writes_only_the_edited_column(admin_client, make_product):
    variant = make_product("Shirt", "20.00").variants.get()
    url = f"/admin/catalog/productvariant/{variant.pk}/change/"
    data = change_form_data(admin_client, url, name_en="Red")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(url, data)

    assert response.status_code == 302
    (only,) = set_list(queries, "catalog_productvariant")
    assert only.startswith('"name_en" = ') and '"price"' not in only
    assert ProductVariant.objects.get(pk=variant.pk).name == "Red"


@pytest.mark.django_db
def test_product_update_with_a_stale_instance_keeps_service_columns(rated):
    product, low = rated
    stale = Product.objects.get(pk=product.pk)
    services.review_hide(low)

    services.product_update(stale, name="Renamed", is_featured=True)

    product.refresh_from_db()
    assert (product.name, product.is_featured) == ("Renamed", True)
    assert (product.rating_avg, product.review_count) == (Decimal("5.00"), 1)


@pytest.mark.django_db
def test_variant_update_with_a_stale_instance_keeps_other_columns(make_product):
    variant = make_product("Shirt", "20.00").variants.get()
    stale = ProductVariant.objects.get(pk=variant.pk)
    services.variant_update(variant, name="Blue")

    services.variant_update(stale, price=Decimal("8.00"))

    variant.refresh_from_db()
    assert (variant.name, variant.price) == ("Blue", Decimal("8.00"))
    assert variant.product.__class__.objects.get(pk=variant.product_id).price == Decimal("8.00")


@pytest.mark.django_db
def test_brand_and_category_edits_write_only_the_edited_column(admin_client, make_product):
    product = make_product("Shirt", "20.00")
    brand, category = product.brand, product.category
    brand_url = f"/admin/catalog/brand/{brand.pk}/change/"
    category_url = f"/admin/catalog/category/{category.pk}/change/"
    brand_data = change_form_data(admin_client, brand_url, name_en="Acme")
    category_data = change_form_data(admin_client, category_url, description_en="Tops")

    with CaptureQueriesContext(connection) as queries:
        assert admin_client.post(brand_url, brand_data).status_code == 302
        assert admin_client.post(category_url, category_data).status_code == 302

    (brand_set,) = set_list(queries, "catalog_brand")
    assert brand_set.startswith('"name_en" = ') and '"is_active"' not in brand_set
    (category_set,) = set_list(queries, "catalog_category")
    assert category_set.startswith('"description_en" = ') and '"parent_id"' not in category_set
    assert Brand.objects.get(pk=brand.pk).name == "Acme"


def variant_url(variant):
    return f"/admin/catalog/productvariant/{variant.pk}/change/"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_variant_admin_edit_racing_variant_update_queues_instead_of_deadlocking(
    admin_client, make_product
):
    # variant_update locks the product, then writes the variant; the variant page wrote the
    # variant, then the product (product_sync): the opposite order, a deadlock on PostgreSQL.
    product = make_product("Shirt", "20.00")
    variant = product.variants.get()
    other = services.variant_create(product, sku="SHIRT-RED", name="Red", price=Decimal("25.00"))
    data = change_form_data(admin_client, variant_url(variant), name_en="Blue")

    response, _ = race_admin_save(
        lambda: admin_client.post(variant_url(variant), data),
        lambda: services.variant_update(
            ProductVariant.objects.get(pk=variant.pk), price=Decimal("30.00")
        ),
        pattern=r'^\s*(UPDATE "catalog_productvariant"|SELECT .* FROM "catalog_product" .*FOR UPDATE)',
        after=True,
    )

    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.name, variant.price) == ("Blue", Decimal("30.00"))
    product.refresh_from_db()
    assert product.price == other.price == Decimal("25.00")  # the minimum follows both writes


@pytest.mark.django_db
def test_variant_admin_cannot_move_a_variant_to_another_product(admin_client, make_product):
    # The old product would keep the moved variant's price and stock flag, and order lines and
    # stock history of one product would point at another's variant.
    shirt, mug = make_product("Shirt", "5.00"), make_product("Mug", "9.00")
    variant = shirt.variants.get()
    data = change_form_data(admin_client, variant_url(variant))
    data["product"] = str(mug.pk)

    response = admin_client.post(variant_url(variant), data)

    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.product_id == shirt.pk
    shirt.refresh_from_db()
    mug.refresh_from_db()
    assert (shirt.price, mug.price) == (Decimal("5.00"), Decimal("9.00"))

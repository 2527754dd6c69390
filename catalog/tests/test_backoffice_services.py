"""The catalogue services behind the admin's bulk actions and import (issue 19)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog import services
from catalog.exceptions import PriceChangeInvalid
from catalog.models import Product, ProductVariant
from catalog.tests.factories import CategoryFactory
from core.money import AmountTooLarge

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "price,percent,expected",
    [
        ("10.00", "10", "11.00"),
        ("0.05", "10", "0.06"),  # 0.055 rounds half-up, not to even
        ("19.99", "-15", "16.99"),  # 16.9915
        ("0.01", "-50", "0.01"),  # 0.005 half-up
        ("100.00", "-99.99", "0.01"),
        ("33.33", "0", "33.33"),
    ],
)
def test_reprice_rounds_half_up_to_the_cent(price, percent, expected):
    assert services.repriced(Decimal(price), Decimal(percent)) == Decimal(expected)


def test_variants_reprice_changes_every_variant_and_the_shown_price(make_product):
    a = make_product("A", price="20.00")
    services.variant_create(a, sku="A-2", price="30.00", compare_at_price="40.00")
    b = make_product("B", price="5.00")
    untouched = make_product("C", price="7.00")
    assert services.variants_reprice([a.pk, b.pk], percent="-10") == 3
    assert sorted(ProductVariant.objects.filter(product=a).values_list("price", flat=True)) == [
        Decimal("18.00"),
        Decimal("27.00"),
    ]
    assert ProductVariant.objects.get(sku="A-2").compare_at_price == Decimal("40.00")
    assert Product.objects.get(pk=a.pk).price == Decimal("18.00")
    assert Product.objects.get(pk=b.pk).price == Decimal("4.50")
    assert Product.objects.get(pk=untouched.pk).price == Decimal("7.00")


def test_variants_reprice_is_all_or_nothing_at_the_price_limit(make_product, settings):
    cheap = make_product("Cheap", price="10.00")
    dear = make_product("Dear", price=str(Decimal(settings.MAX_UNIT_PRICE) - 1))
    with pytest.raises(AmountTooLarge):
        services.variants_reprice([cheap.pk, dear.pk], percent="1")
    assert cheap.variants.get().price == Decimal("10.00")


@pytest.mark.parametrize("percent", ["-100", "-100.5", "1000.01", "NaN", "Infinity", "ten"])
def test_variants_reprice_refuses_bad_percentages(make_product, percent):
    product = make_product("P", price="10.00")
    with pytest.raises(PriceChangeInvalid):
        services.variants_reprice([product.pk], percent=percent)


def test_duplicate_keeps_skus_within_their_column(make_product):
    long_sku = "X" * 64
    product = make_product("Long", price="10.00", sku=long_sku)
    first = services.product_duplicate(product)
    second = services.product_duplicate(product)
    skus = {first.variants.get().sku, second.variants.get().sku}
    assert skus == {"X" * 59 + "-COPY", "X" * 58 + "-COPY2"}
    assert not first.is_active and not first.in_stock and first.sales_count == 0
    assert first.slug != second.slug != product.slug


def test_variant_import_never_moves_an_sku_to_another_product(make_product):
    a = make_product("A", price="10.00", sku="SKU-A")
    b = make_product("B", price="10.00")
    with pytest.raises(ValidationError):
        services.variant_import(sku="SKU-A", product_slug=b.slug, price=Decimal("1.00"))
    assert ProductVariant.objects.get(sku="SKU-A").product_id == a.pk


def test_variant_import_needs_a_name_and_category_for_a_new_product():
    with pytest.raises(ValidationError):
        services.variant_import(sku="N-1", product_slug="new", price=Decimal("1.00"))
    variant, created = services.variant_import(
        sku="N-1",
        product_slug="new",
        product_name="New",
        category=CategoryFactory(),
        price=Decimal("1.00"),
    )
    assert created and variant.product.slug == "new" and variant.product.price == Decimal("1.00")


@pytest.mark.parametrize("price,percent", [("0.01", "-60"), ("0.99", "-99.5"), ("0.04", "-90")])
def test_variants_reprice_never_rounds_a_price_down_to_nothing(make_product, price, percent):
    """A cut above -100 % is allowed because "a price never reaches 0 this way"; rounded to the
    cent it did (0.01 - 60 % = 0.004 -> 0.00: the goods given away). Refused, all or nothing,
    naming the SKU; a free item (0.00) stays free."""
    normal = make_product("Normal", price="10.00")
    cheap = make_product("Cheap", price=price)
    free = make_product("Free", price="0.00")
    with pytest.raises(PriceChangeInvalid) as caught:
        services.variants_reprice([normal.pk, cheap.pk, free.pk], percent=percent)
    assert cheap.variants.get().sku in str(caught.value.detail)
    assert normal.variants.get().price == Decimal("10.00")
    assert cheap.variants.get().price == Decimal(price)
    assert services.variants_reprice([free.pk, normal.pk], percent=percent) == 1
    assert free.variants.get().price == Decimal("0.00")

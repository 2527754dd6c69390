import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from catalog.models import Category, Product, ProductImage, ProductVariant

pytestmark = pytest.mark.django_db(transaction=True)


def seed(n):
    out = io.StringIO()
    call_command("seed_demo", products=n, no_progress=True, stdout=out)
    return out.getvalue()


def counts():
    from inventory.models import Stock, StockMovement

    return [
        m.objects.count()
        for m in (Category, Product, ProductVariant, ProductImage, Stock, StockMovement)
    ]


def test_seed_is_idempotent_and_consistent(api_client):
    output = seed(12)
    first = counts()
    assert first[1] == 12
    assert Category.objects.filter(parent__parent__isnull=False).exists()  # 3 levels
    assert seed(12).count("products created") == 1
    assert counts() == first

    # Denormalised prices are what the service computes.
    from catalog.services import product_refresh_price

    for product in Product.objects.all():
        stored = (product.price, product.compare_at_price)
        product_refresh_price(product)
        assert (product.price, product.compare_at_price) == stored
        assert product.images.filter(is_primary=True).count() == 1

    # Shoppers see the demo shop through the API.
    response = api_client.get("/api/v1/products/", {"category": "electronics"})
    assert response.status_code == 200
    assert response.json()["count"] > 0

    # The printed accounts log in with the printed passwords and have their roles.
    lines = [line.split() for line in output.splitlines() if len(line.split()) == 3]
    roles = {}
    for role, username, password in lines:
        user = authenticate(username=username, password=password)
        assert user is not None, username
        roles[role] = user
    assert set(roles) == {"staff", "merchant", "customer"}
    assert roles["staff"].role == "staff" and not roles["staff"].is_superuser
    assert [g.name for g in roles["staff"].groups.all()] == ["Staff"]
    assert [g.name for g in roles["merchant"].groups.all()] == ["Merchant"]
    assert roles["merchant"].role == "merchant" and roles["merchant"].is_staff
    assert roles["customer"].role == "customer" and not roles["customer"].is_staff


def test_seed_grows_without_duplicates():
    seed(5)
    seed(9)
    assert Product.objects.count() == 9
    assert ProductVariant.objects.filter(sku__startswith="DEMO-000000-").exists()


@pytest.mark.postgres
def test_seed_leaves_planner_statistics_current():
    """Without ANALYZE the planner costs a freshly loaded catalogue as empty (reltuples -1)."""
    from django.db import connection

    seed(12)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class"
            " WHERE relname IN ('catalog_product', 'catalog_productvariant', 'inventory_stock')"
        )
        estimates = dict(cursor.fetchall())
    assert estimates["catalog_product"] == Product.objects.count()
    assert estimates["catalog_productvariant"] == ProductVariant.objects.count()


def test_seed_writes_each_language_apart_and_home_content(api_client):
    import re

    seed(40)
    phone_cases = Category.objects.get(slug="phone-cases")
    assert (phone_cases.name_zh_hans, phone_cases.name_en) == ("手机壳", "Phone cases")
    han = re.compile(r"[\u4e00-\u9fff]")
    for product in Product.objects.all():
        assert han.search(product.name_zh_hans) and not han.search(product.name_en)
        assert not han.search(product.description_en)
        for variant in product.variants.all():
            assert variant.name_zh_hans and variant.name_en and not han.search(variant.name_en)

    en = api_client.get("/api/v1/home/", HTTP_ACCEPT_LANGUAGE="en").json()
    zh = api_client.get("/api/v1/home/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert en["banners"][0]["title"] == "Gadget festival"
    assert zh["banners"][0]["title"] == "数码好物节"
    assert en["sections"] and all(s["products"] for s in en["sections"])
    assert not han.search(en["sections"][0]["products"][0]["name"])

    # A second run adds no home content either.
    from catalog.models import Banner, HomeSection

    before = (Banner.objects.count(), HomeSection.objects.count())
    seed(40)
    assert (Banner.objects.count(), HomeSection.objects.count()) == before

"""Prices are bounded by MAX_UNIT_PRICE wherever they are written (core.money)."""

from decimal import Decimal

import pytest
from django.test import Client

from catalog import services
from catalog.models import ProductVariant
from core.money import AmountTooLarge

pytestmark = pytest.mark.django_db

URL = "/api/v1/products/"


@pytest.fixture(autouse=True)
def _bound(settings):
    settings.MAX_UNIT_PRICE = Decimal("1000000.00")


def test_api_refuses_a_price_above_the_bound(merchant_client, make_product):
    product = make_product("Mug", "10.00", slug="mug")
    variant = product.variants.get()
    for field in ("price", "compare_at_price", "cost_price"):
        response = merchant_client.patch(f"{URL}mug/variants/{variant.pk}/", {field: "1000000.01"})
        assert (response.status_code, response.data["code"]) == (400, "amount_too_large")
        assert (response.data["field"], response.data["max_amount"]) == (field, "1000000.00")
    response = merchant_client.post(f"{URL}mug/variants/", {"sku": "MUG-XL", "price": "5000000"})
    assert (response.status_code, response.data["code"]) == (400, "amount_too_large")
    variant.refresh_from_db()
    product.refresh_from_db()
    assert (variant.price, variant.compare_at_price, variant.cost_price) == (
        Decimal("10.00"),
        None,
        None,
    )
    assert product.price == Decimal("10.00")
    assert list(product.variants.values_list("sku", flat=True)) == [variant.sku]
    # The bound itself is a valid price.
    response = merchant_client.patch(f"{URL}mug/variants/{variant.pk}/", {"price": "1000000.00"})
    assert response.status_code == 200


def test_service_checks_before_quantizing(make_product):
    variant = make_product("Mug", "10.00").variants.get()
    # 1E+30 cannot even be quantized to cents (InvalidOperation): refused with the code, not a 500.
    with pytest.raises(AmountTooLarge):
        services.variant_update(variant, price=Decimal("1E+30"))
    assert ProductVariant.objects.get(pk=variant.pk).price == Decimal("10.00")


def test_admin_form_refuses_a_price_above_the_bound(staff, make_product):
    variant = make_product("Mug", "10.00").variants.get()
    client = Client()
    client.force_login(staff)
    url = f"/admin/catalog/productvariant/{variant.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"price": "2000000.00", "attributes": "{}", "is_active": "on"})
    data.update({"stock-TOTAL_FORMS": "0", "stock-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "price" in response.context["adminform"].form.errors
    assert ProductVariant.objects.get(pk=variant.pk).price == Decimal("10.00")


def test_a_price_with_a_half_cent_rounds_half_up_like_every_amount(make_product):
    """Variant prices go through core.money.money(): 10.005 is 10.01, not the half-even 10.00."""
    product = make_product("Mug", "10.00")
    variant = services.variant_update(
        product.variants.get(), price="10.005", compare_at_price="12.345", cost_price="0.125"
    )
    variant.refresh_from_db()
    product.refresh_from_db()
    assert (variant.price, variant.compare_at_price, variant.cost_price) == (
        Decimal("10.01"),
        Decimal("12.35"),
        Decimal("0.13"),
    )
    assert product.price == Decimal("10.01")

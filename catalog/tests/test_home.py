from decimal import Decimal

import pytest

from catalog.services import products_set_flags
from core.templatetags.money import money

pytestmark = pytest.mark.django_db


def test_home_shows_featured_and_new_products_with_prices(
    client, make_product, django_assert_max_num_queries
):
    kettle = make_product("Featured kettle", "129.00", stock=3)
    make_product("Plain mug", "19.90")
    hidden = make_product("Retired lamp", "59.00")
    products_set_flags([kettle.pk], is_featured=True)
    products_set_flags([hidden.pk], is_active=False)

    with django_assert_max_num_queries(8):
        response = client.get("/")

    assert response.status_code == 200
    featured = [p.name for p in response.context["featured"]]
    newest = [p.name for p in response.context["newest"]]
    assert featured == ["Featured kettle"]
    assert newest == ["Plain mug", "Featured kettle"]
    assert "¥129.00" in response.content.decode()
    assert "Retired lamp" not in response.content.decode()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("129"), "¥129.00"),
        ("1234.5", "¥1,234.50"),
        (Decimal("-5.005"), "-¥5.01"),
        (None, ""),
    ],
)
def test_money_filter(value, shown):
    assert money(value) == shown

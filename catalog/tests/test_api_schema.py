"""The OpenAPI schema tells the truth about what the catalogue API answers."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def test_primary_image_is_documented_nullable_because_it_is(api_client, make_product):
    # Found by schemathesis: a product without images answers "primary_image": null, which the
    # schema called a non-nullable URI.
    product = make_product("Bare", "10.00", stock=1)
    listed = api_client.get("/api/v1/products/").json()["results"][0]
    detail = api_client.get(f"/api/v1/products/{product.slug}/").json()
    assert listed["primary_image"] is None
    assert detail["primary_image"] is None

    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for name in ["ProductList", "ProductDetail"]:
        assert schemas[name]["properties"]["primary_image"].get("nullable") is True, name

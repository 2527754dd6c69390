import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_is_valid_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    # --fail-on-warn turns every drf-spectacular warning (from any app) into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    for path in [
        "/api/v1/auth/register/",
        "/api/v1/auth/token/",
        "/api/v1/auth/token/refresh/",
        "/api/v1/auth/logout/",
        "/api/v1/auth/wechat/",
        "/api/v1/auth/me/",
        "/api/v1/auth/password/",
        "/api/v1/addresses/",
        "/api/v1/addresses/{id}/",
    ]:
        assert path in paths, path
    assert set(paths["/api/v1/auth/me/"]) >= {"get", "patch"}
    assert "put" not in paths["/api/v1/auth/me/"]
    assert "204" in paths["/api/v1/auth/logout/"]["post"]["responses"]
    assert "502" in paths["/api/v1/auth/wechat/"]["post"]["responses"]
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_a_cdn(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _documented(openapi, method: str, path: str, response) -> dict:
    """Fail unless the schema documents this status for the operation and the body fits it."""
    import jsonschema

    responses = openapi["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in responses, (
        f"{method.upper()} {path} answered {status}, documents {list(responses)}"
    )
    body_schema = responses[status]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), {**body_schema, "components": openapi["components"]})
    return responses


@pytest.mark.django_db
class TestErrorResponsesAreDocumented:
    """What schemathesis found: real error answers that the schema did not describe."""

    def test_anonymous_on_a_protected_list_is_a_documented_401(self, api_client, openapi):
        _documented(openapi, "get", "/api/v1/addresses/", api_client.get("/api/v1/addresses/"))

    def test_a_bad_token_on_a_public_read_is_a_documented_401(self, api_client, openapi):
        response = api_client.get("/api/v1/categories/", HTTP_AUTHORIZATION="Bearer x")
        assert response.status_code == 401
        _documented(openapi, "get", "/api/v1/categories/", response)

    def test_a_field_map_400_fits_the_documented_400(self, user_client, openapi):
        response = user_client.post("/api/v1/auth/logout/", {})
        assert response.status_code == 400
        assert "refresh" in response.json()
        _documented(openapi, "post", "/api/v1/auth/logout/", response)

    def test_a_parse_error_400_fits_the_documented_400(self, user_client, openapi):
        response = user_client.post("/api/v1/addresses/", data="{", content_type="application/json")
        assert response.json()["code"] == "parse_error"
        _documented(openapi, "post", "/api/v1/addresses/", response)

    def test_an_unknown_id_is_a_documented_404(self, user_client, openapi):
        response = user_client.get("/api/v1/addresses/999999/")
        assert response.status_code == 404
        _documented(openapi, "get", "/api/v1/addresses/{id}/", response)

    def test_a_page_past_the_end_is_a_documented_404(self, api_client, openapi):
        response = api_client.get("/api/v1/products/", {"page": 999})
        assert response.status_code == 404
        _documented(openapi, "get", "/api/v1/products/", response)

    def test_a_wrong_content_type_is_a_documented_415(self, user_client, openapi):
        response = user_client.post("/api/v1/addresses/", data="x", content_type="text/plain")
        assert response.status_code == 415
        _documented(openapi, "post", "/api/v1/addresses/", response)

    def test_a_customer_on_a_staff_endpoint_is_a_documented_403(self, user_client, openapi):
        response = user_client.get("/api/v1/warehouses/")
        assert response.status_code == 403
        _documented(openapi, "get", "/api/v1/warehouses/", response)

    def test_no_403_is_promised_where_a_public_read_cannot_answer_one(self, openapi):
        assert "403" not in openapi["paths"]["/api/v1/products/"]["get"]["responses"]
        assert "401" in openapi["paths"]["/api/v1/products/"]["get"]["responses"]


@pytest.mark.django_db
def test_clearing_the_cart_is_documented_as_200_with_the_cart(api_client, openapi):
    response = api_client.delete("/api/v1/cart/")
    assert response.status_code == 200
    responses = openapi["paths"]["/api/v1/cart/"]["delete"]["responses"]
    assert "204" not in responses
    assert responses["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Cart")


def test_unicode_slugs_carry_no_ascii_only_pattern(openapi):
    # "t恤-t-shirts" is a valid slug here, but ECMA-262 reads \w as ASCII only.
    schemas = openapi["components"]["schemas"]
    for name in ["Category", "CategoryRequest", "ProductWriteRequest"]:
        assert "pattern" not in schemas[name]["properties"]["slug"], name

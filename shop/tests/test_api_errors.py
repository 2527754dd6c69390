"""The error format of DESIGN.md, whatever goes wrong."""

import pytest

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400_parse_error(api_client):
    response = api_client.post(
        "/api/v1/auth/token/", data='{"username": "a", ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"]


def test_unauthenticated_is_401_not_authenticated(api_client):
    response = api_client.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_bearer_token_is_401_token_not_valid(api_client):
    response = api_client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/no-such-thing/",
        "/api/v1/auth/me",
        "/api/v1/a/b/c",
        # Found by schemathesis: a newline in the path fell past the catch-all to an HTML 404.
        "/api/v1/addresses/1%0A.2/",
        "/api/v1/a%0Ab",
    ],
)
def test_unknown_api_route_is_a_json_404(api_client, method, path):
    response = getattr(api_client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


def test_validation_errors_keep_the_field_map(api_client):
    response = api_client.post("/api/v1/auth/register/", {"username": "x"})
    assert response.status_code == 400
    body = response.json()
    assert "code" not in body
    assert {"email", "password"} <= set(body)


def test_wrong_method_is_405_with_code(user_client):
    response = user_client.delete("/api/v1/auth/me/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "body", ["[]", '"string"', "null", "123", '{"username": ["a"], "password": {"x": 1}}']
)
def test_odd_json_bodies_never_500(api_client, body):
    for path in ["/api/v1/auth/token/", "/api/v1/auth/register/", "/api/v1/auth/wechat/"]:
        response = api_client.post(path, data=body, content_type="application/json")
        assert response.status_code == 400, (path, body, response.content)


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b"])
def test_a_malformed_authorization_header_is_a_plain_401(api_client, header):
    # simplejwt puts a dict in the exception's detail; the body used to carry its Python repr.
    response = api_client.get("/api/v1/products/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "bad_authorization_header"
    assert isinstance(body["detail"], str)
    assert "ErrorDetail" not in body["detail"]
    assert "{" not in body["detail"]

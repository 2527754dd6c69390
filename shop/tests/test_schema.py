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

import logging
import re

import pytest

pytestmark = pytest.mark.django_db


def request_lines(caplog):
    return [r for r in caplog.records if r.name == "shop.request"]


def test_one_line_per_request_with_method_path_status_duration_and_id(client, caplog):
    caplog.set_level(logging.INFO, logger="shop.request")
    response = client.get("/health/")
    [record] = request_lines(caplog)
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert record.method == "GET"
    assert record.path == "/health/"
    assert record.status == 200
    assert record.duration_ms >= 0
    assert record.request_id == request_id
    assert re.fullmatch(r"GET /health/ 200 \d+\.\dms", record.getMessage())


def test_each_request_gets_its_own_id(client, caplog):
    caplog.set_level(logging.INFO, logger="shop.request")
    first = client.get("/health/")["X-Request-ID"]
    second = client.get("/api/v1/nowhere/")["X-Request-ID"]
    assert first != second
    assert [r.status for r in request_lines(caplog)] == [200, 404]


def test_a_safe_incoming_request_id_is_echoed(client, caplog):
    caplog.set_level(logging.INFO, logger="shop.request")
    response = client.get("/health/", HTTP_X_REQUEST_ID="edge-42.abc_DEF")
    assert response["X-Request-ID"] == "edge-42.abc_DEF"
    assert request_lines(caplog)[0].request_id == "edge-42.abc_DEF"


@pytest.mark.parametrize("unsafe", ["has space", "x" * 65, "newline\ninjected", "<script>"])
def test_an_unsafe_incoming_request_id_is_replaced(client, unsafe):
    response = client.get("/health/", HTTP_X_REQUEST_ID=unsafe)
    assert response["X-Request-ID"] != unsafe
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])

"""The after-sales API: who sees what, the owner's and staff's moves, error codes, photos."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from aftersales.models import AfterSalesRequest
from aftersales.tests.conftest import image_upload, lines_of
from conftest import bearer
from core.testing.state import db_state

pytestmark = pytest.mark.django_db
URL = "/api/v1/after-sales/"


def client_of(user):
    client = APIClient()
    client.credentials(**bearer(user))
    return client


def open_request(client, order, *quantities, kind="return_and_refund"):
    response = client.post(
        URL,
        {
            "order_number": order.number,
            "kind": kind,
            "lines": lines_of(order, *quantities),
            "reason": "damaged",
            "description": "the box was crushed",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    return response.data


def test_owner_opens_a_request_and_follows_it_to_refunded(user, staff, paid_order):
    order = paid_order(("25.00", 2), ("50.00", 1))  # 100.00
    owner, staff_api = client_of(user), client_of(staff)
    data = open_request(owner, order, 1, None)
    line = order.lines.order_by("pk").first()
    assert data["order_number"] == order.number
    assert (data["kind"], data["status"], data["refund_amount"]) == (
        "return_and_refund",
        "requested",
        "25.00",
    )
    assert data["lines"][0]["order_line_id"] == line.pk
    assert data["lines"][0]["quantity"] == 1
    assert data["lines"][0]["refund_amount"] == "25.00"
    detail = f"{URL}{data['id']}/"

    assert owner.post(f"{detail}approve/", {}, format="json").status_code == 403
    response = staff_api.post(f"{detail}approve/", {"note": "fine"}, format="json")
    assert (response.status_code, response.data["status"]) == (200, "approved")
    response = owner.post(f"{detail}ship-back/", {"carrier": "SF", "tracking_number": "SF7"})
    assert (response.status_code, response.data["status"]) == (200, "returned")
    response = staff_api.post(
        f"{detail}receive/",
        {"lines": [{"order_line_id": line.pk, "restock": True}]},
        format="json",
    )
    assert (response.status_code, response.data["status"]) == (200, "received")
    assert response.data["lines"][0]["restock"] is True
    response = staff_api.post(f"{detail}refund/")
    assert (response.status_code, response.data["status"]) == (200, "refunded")

    order_answer = owner.get(f"/api/v1/orders/{order.number}/").data
    assert (order_answer["payment_status"], order_answer["refunded_amount"]) == (
        "partially_refunded",
        "25.00",
    )
    assert {item["id"] for item in order_answer["items"]} == set(
        order.lines.values_list("pk", flat=True)
    )
    events = owner.get(f"{detail}events/").data
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        ("", "requested"),
        ("requested", "approved"),
        ("approved", "returned"),
        ("returned", "received"),
        ("received", "refunded"),
    ]
    assert events[1]["actor"] == staff.username
    assert events[1]["note"] == "fine"
    listed = owner.get(URL, {"status": "refunded"}).data
    assert [r["id"] for r in listed["results"]] == [data["id"]]
    assert owner.get(URL, {"status": "requested"}).data["count"] == 0


def test_another_customers_request_is_404_and_staff_see_all(user, other_user, staff, paid_order):
    order = paid_order(("10.00", 1))
    data = open_request(client_of(user), order, 1)
    stranger = client_of(other_user)
    detail = f"{URL}{data['id']}/"
    before = db_state()
    for path in (detail, f"{detail}events/"):
        response = stranger.get(path)
        assert (response.status_code, response.data["code"]) == (404, "after_sales_not_found")
    for action in ("cancel", "ship-back", "approve", "reject", "receive", "refund"):
        assert stranger.post(f"{detail}{action}/", {}, format="json").status_code == 404
    assert stranger.get(URL).data["count"] == 0
    assert db_state() == before
    assert client_of(staff).get(detail).status_code == 200
    assert client_of(staff).get(URL).data["count"] == 1
    # Staff may not act for the customer.
    assert client_of(staff).post(f"{detail}cancel/").status_code == 403
    # Nor may anyone open a request on someone else's order.
    response = stranger.post(
        URL,
        {
            "order_number": order.number,
            "kind": "refund_only",
            "lines": lines_of(order, 1),
            "reason": "other",
        },
        format="json",
    )
    assert (response.status_code, response.data["code"]) == (404, "order_not_found")
    assert APIClient().get(URL).status_code == 401


def test_illegal_moves_answer_409_invalid_transition(user, staff, paid_order):
    order = paid_order(("10.00", 1))
    owner, staff_api = client_of(user), client_of(staff)
    data = open_request(owner, order, 1)
    detail = f"{URL}{data['id']}/"
    before = db_state()
    for client, action, body in (
        (owner, "ship-back", {"carrier": "SF", "tracking_number": "1"}),
        (staff_api, "receive", {"lines": []}),
        (staff_api, "refund", {}),
    ):
        response = client.post(f"{detail}{action}/", body, format="json")
        assert (response.status_code, response.data["code"]) == (409, "invalid_transition"), action
    assert db_state() == before
    assert owner.post(f"{detail}cancel/").data["status"] == "cancelled"
    response = staff_api.post(f"{detail}approve/")
    assert (response.status_code, response.data["code"]) == (409, "invalid_transition")


def test_error_codes_of_create(user, paid_order, place, variant):
    owner = client_of(user)
    order = paid_order(("10.00", 2))
    base = {"order_number": order.number, "kind": "return_and_refund", "reason": "damaged"}
    response = owner.post(URL, {**base, "lines": lines_of(order, 3)}, format="json")
    assert (response.status_code, response.data["code"]) == (400, "after_sales_line_invalid")
    response = owner.post(
        URL, {**base, "lines": [{"order_line_id": 999999, "quantity": 1}]}, format="json"
    )
    assert (response.status_code, response.data["code"]) == (400, "after_sales_line_invalid")
    response = owner.post(URL, {**base, "lines": [], "reason": "bored"}, format="json")
    assert response.status_code == 400 and {"lines", "reason"} <= set(response.data)
    open_request(owner, order, 1)
    response = owner.post(URL, {**base, "lines": lines_of(order, 1)}, format="json")
    assert (response.status_code, response.data["code"]) == (409, "after_sales_line_open")
    unpaid = place(user, (variant, 1))
    response = owner.post(
        URL, {**base, "order_number": unpaid.number, "lines": lines_of(unpaid, 1)}, format="json"
    )
    assert (response.status_code, response.data["code"]) == (409, "after_sales_not_allowed")


def test_photos_upload_as_multipart(user, paid_order):
    owner = client_of(user)
    order = paid_order(("10.00", 1))
    body = {
        "order_number": order.number,
        "kind": "return_and_refund",
        "reason": "damaged",
        "lines": json.dumps(lines_of(order, 1)),
    }
    before = db_state()
    response = owner.post(
        URL,
        {**body, "photos": [SimpleUploadedFile("x.png", b"nope", "image/png")]},
        format="multipart",
    )
    assert response.status_code == 400 and "photos" in response.data
    response = owner.post(
        URL, {**body, "photos": [image_upload(f"{i}.png") for i in range(4)]}, format="multipart"
    )
    assert response.status_code == 400 and "photos" in response.data
    assert db_state() == before
    response = owner.post(
        URL, {**body, "photos": [image_upload("a.png"), image_upload("b.png")]}, format="multipart"
    )
    assert response.status_code == 201, response.data
    assert len(response.data["photos"]) == 2
    assert AfterSalesRequest.objects.get().photos.count() == 2


def test_oversized_photo_is_refused(user, paid_order, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 100
    order = paid_order(("10.00", 1))
    response = client_of(user).post(
        URL,
        {
            "order_number": order.number,
            "kind": "return_and_refund",
            "reason": "damaged",
            "lines": json.dumps(lines_of(order, 1)),
            "photos": [image_upload("a.png", size=(200, 200))],
        },
        format="multipart",
    )
    assert response.status_code == 400 and "photos" in response.data


def test_refund_only_through_the_api_settles_payment_status(user, staff, paid_order):
    order = paid_order(("40.00", 1), ("60.00", 1), delivered=False)
    data = open_request(client_of(user), order, 1, 1, kind="refund_only")
    assert data["refund_amount"] == "100.00"
    detail = f"{URL}{data['id']}/"
    staff_api = client_of(staff)
    staff_api.post(f"{detail}approve/")
    response = staff_api.post(f"{detail}refund/")
    assert response.data["status"] == "refunded"
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.refunded_amount) == (
        "refunded",
        "refunded",
        Decimal("100.00"),
    )
    response = staff_api.post(f"{detail}refund/")
    assert (response.status_code, response.data["code"]) == (409, "invalid_transition")


def test_list_query_count_is_flat(user, paid_order, django_assert_max_num_queries):
    owner = client_of(user)
    for _ in range(3):
        order = paid_order(("10.00", 2))
        open_request(owner, order, 1)
    with django_assert_max_num_queries(8):
        response = owner.get(URL)
    assert response.data["count"] == 3


def test_detail_and_events_query_counts(user, paid_order, django_assert_max_num_queries):
    owner = client_of(user)
    order = paid_order(("10.00", 2), ("5.00", 3))
    data = open_request(owner, order, 1, 2)
    with django_assert_max_num_queries(8):
        assert owner.get(f"{URL}{data['id']}/").status_code == 200
    with django_assert_max_num_queries(6):
        assert owner.get(f"{URL}{data['id']}/events/").status_code == 200


def test_schema_describes_the_after_sales_endpoints(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/after-sales/",
        "/api/v1/after-sales/{id}/",
        "/api/v1/after-sales/{id}/events/",
        "/api/v1/after-sales/{id}/cancel/",
        "/api/v1/after-sales/{id}/ship-back/",
        "/api/v1/after-sales/{id}/approve/",
        "/api/v1/after-sales/{id}/reject/",
        "/api/v1/after-sales/{id}/receive/",
        "/api/v1/after-sales/{id}/refund/",
    ):
        assert path in paths, path
    create = paths["/api/v1/after-sales/"]["post"]
    assert {"201", "400", "404", "409"} <= set(create["responses"])
    assert "multipart/form-data" in create["requestBody"]["content"]
    assert "409" in paths["/api/v1/after-sales/{id}/approve/"]["post"]["responses"]

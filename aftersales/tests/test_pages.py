"""The storefront pages: request form, list, detail with timeline, ship-back, cancel."""

import pytest
from django.test import Client

from aftersales import services
from aftersales.models import AfterSalesRequest
from aftersales.tests.conftest import image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_request_form_creates_a_request_and_lands_on_its_page(browser_client, paid_order):
    order = paid_order(("20.00", 2), ("30.00", 1))
    first, second = order.lines.order_by("pk")
    url = f"/after-sales/new/{order.number}/"
    page = browser_client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert f'name="quantity_{first.pk}"' in body and 'name="reason"' in body
    assert f'<label for="id_quantity_{first.pk}"' in body
    assert "csrfmiddlewaretoken" in body and "<main" in body

    response = browser_client.post(
        url,
        {
            f"quantity_{first.pk}": "1",
            f"quantity_{second.pk}": "0",
            "kind": "return_and_refund",
            "reason": "wrong_item",
            "description": "blue, not red",
            "photos": [image_upload("a.png")],
        },
    )
    created = AfterSalesRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/after-sales/{created.pk}/"
    assert created.photos.count() == 1
    assert list(created.lines.values_list("order_line_id", "quantity")) == [(first.pk, 1)]
    detail = browser_client.get(response["Location"]).content.decode()
    assert 'data-testid="aftersales-status" data-status="requested"' in detail
    assert 'data-testid="aftersales-timeline"' in detail
    assert 'data-testid="aftersales-cancel"' in detail
    listing = browser_client.get("/after-sales/").content.decode()
    assert f'href="/after-sales/{created.pk}/"' in listing


def test_form_errors_are_shown_not_raised(browser_client, paid_order):
    order = paid_order(("20.00", 1))
    line = order.lines.get()
    url = f"/after-sales/new/{order.number}/"
    response = browser_client.post(url, {"kind": "refund_only", "reason": "other"})
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    response = browser_client.post(
        url,
        {
            f"quantity_{line.pk}": "1",
            "kind": "refund_only",
            "reason": "other",
            "photos": [image_upload(f"{i}.png") for i in range(4)],
        },
    )
    assert response.status_code == 200
    assert not AfterSalesRequest.objects.exists()


def test_other_customers_pages_are_404(browser_client, other_user, paid_order):
    theirs = paid_order(("20.00", 1), owner=other_user)
    assert browser_client.get(f"/after-sales/new/{theirs.number}/").status_code == 404
    request = services.aftersales_request_create(
        other_user,
        order_number=theirs.number,
        kind="refund_only",
        lines=[{"order_line_id": theirs.lines.get().pk, "quantity": 1}],
        reason="other",
    )
    for path in ("", "ship-back/"):
        assert browser_client.get(f"/after-sales/{request.pk}/{path}").status_code == 404
    assert browser_client.post(f"/after-sales/{request.pk}/cancel/").status_code == 404
    request.refresh_from_db()
    assert request.status == "requested"
    assert Client().get("/after-sales/").status_code == 302  # log in first


def test_ship_back_and_cancel_pages(browser_client, paid_order, staff):
    order = paid_order(("20.00", 1), ("10.00", 1))
    first, second = order.lines.order_by("pk")
    request = services.aftersales_request_create(
        order.user,
        order_number=order.number,
        kind="return_and_refund",
        lines=[{"order_line_id": first.pk, "quantity": 1}],
        reason="damaged",
    )
    services.aftersales_request_approve(request, actor=staff)
    detail = browser_client.get(f"/after-sales/{request.pk}/").content.decode()
    assert 'data-testid="aftersales-ship-back"' in detail
    response = browser_client.post(
        f"/after-sales/{request.pk}/ship-back/", {"carrier": "SF", "tracking_number": "SF123"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.return_tracking_number) == ("returned", "SF123")
    # Cancel is only for a request still waiting: here it is refused with a message.
    response = browser_client.post(f"/after-sales/{request.pk}/cancel/", follow=True)
    request.refresh_from_db()
    assert request.status == "returned"
    other = services.aftersales_request_create(
        order.user,
        order_number=order.number,
        kind="refund_only",
        lines=[{"order_line_id": second.pk, "quantity": 1}],
        reason="changed_mind",
    )
    browser_client.post(f"/after-sales/{other.pk}/cancel/")
    other.refresh_from_db()
    assert other.status == "cancelled"


def test_an_unpaid_order_gets_a_notice_instead_of_the_form(browser_client, user, place, variant):
    order = place(user, (variant, 1))
    response = browser_client.get(f"/after-sales/new/{order.number}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="aftersales-refusal"' in body and 'name="reason"' not in body
    browser_client.post(f"/after-sales/new/{order.number}/", {"kind": "refund_only"})
    assert not AfterSalesRequest.objects.exists()


def test_the_order_page_links_to_a_new_request_and_lists_the_orders_requests(
    browser_client, user, paid_order, place, variant
):
    unpaid = place(user, (variant, 1))
    body = browser_client.get(f"/orders/{unpaid.number}/").content.decode()
    assert 'data-testid="order-after-sales"' not in body  # nothing to ask for yet

    order = paid_order(("20.00", 1))
    body = browser_client.get(f"/orders/{order.number}/").content.decode()
    assert f'href="/after-sales/new/{order.number}/" data-testid="request-refund"' in body
    browser_client.post(
        f"/after-sales/new/{order.number}/",
        {f"quantity_{order.lines.get().pk}": "1", "kind": "refund_only", "reason": "other"},
    )
    created = AfterSalesRequest.objects.get()
    body = browser_client.get(f"/orders/{order.number}/").content.decode()
    assert f'href="/after-sales/{created.pk}/" data-testid="after-sales-link"' in body
    assert 'data-status="requested"' in body

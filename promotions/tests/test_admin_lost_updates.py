"""Editing a coupon template in the admin never undoes claims committed meanwhile, nor sets a total
below the coupons already claimed."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from core.testing.admin_race import change_form_data, race_admin_save
from promotions.exceptions import CouponSoldOut
from promotions.models import UserCoupon
from promotions.services import coupon_claim
from promotions.tests.factories import CouponTemplateFactory


def change_url(template):
    return f"/admin/promotions/coupontemplate/{template.pk}/change/"


@pytest.fixture
def admin_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def issued(template):
    return UserCoupon.objects.filter(template=template).count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rename_racing_a_claim_keeps_the_claimed_count(admin_client):
    template = CouponTemplateFactory(total_quantity=2)
    coupon_claim(UserFactory(), template=template)
    data = change_form_data(admin_client, change_url(template), name="Spring sale")

    response, _ = race_admin_save(
        lambda: admin_client.post(change_url(template), data),
        lambda: coupon_claim(UserFactory(), template=template),
        "promotions_coupontemplate",
    )

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.name == "Spring sale"
    assert template.claimed_count == issued(template) == 2
    # Sold out: a third claim is refused, not issued past the total.
    with pytest.raises(CouponSoldOut):
        coupon_claim(UserFactory(), template=template)
    assert issued(template) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lowering_the_total_racing_a_claim_is_refused_with_a_form_error(admin_client):
    template = CouponTemplateFactory(total_quantity=3)
    coupon_claim(UserFactory(), template=template)
    # 1 claimed when the form is read, so 1 looks allowed; a claim commits before the save.
    data = change_form_data(admin_client, change_url(template), total_quantity="1")

    response, claimed = race_admin_save(
        lambda: admin_client.post(change_url(template), data),
        lambda: coupon_claim(UserFactory(), template=template),
        pattern=r'^\s*SELECT .* FROM "promotions_coupontemplate"',
        after=True,  # the admin has read the row (claimed_count 1), not yet validated
    )

    assert isinstance(claimed, UserCoupon)
    assert response.status_code == 200  # the form again, with the error; not a 500
    errors = response.context["adminform"].form.errors
    assert "2 coupons have already been claimed" in str(errors["total_quantity"])
    template.refresh_from_db()
    assert (template.total_quantity, template.claimed_count, issued(template)) == (3, 2, 2)


@pytest.mark.django_db
def test_rename_writes_only_the_name(admin_client):
    template = CouponTemplateFactory(total_quantity=5, claimed_count=2)
    data = change_form_data(admin_client, change_url(template), name="Autumn sale")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(change_url(template), data)

    assert response.status_code == 302
    updates = [
        q["sql"] for q in queries if q["sql"].startswith('UPDATE "promotions_coupontemplate"')
    ]
    assert len(updates) == 1
    assert '"name"' in updates[0] and '"claimed_count"' not in updates[0]
    assert '"total_quantity"' not in updates[0]
    template.refresh_from_db()
    assert (template.name, template.claimed_count) == ("Autumn sale", 2)


@pytest.mark.django_db
def test_total_below_the_claimed_count_is_a_form_error(admin_client):
    template = CouponTemplateFactory(total_quantity=5, claimed_count=4)
    data = change_form_data(admin_client, change_url(template), total_quantity="3")

    response = admin_client.post(change_url(template), data)

    assert response.status_code == 200
    assert "total_quantity" in response.context["adminform"].form.errors
    template.refresh_from_db()
    assert (template.total_quantity, template.claimed_count) == (5, 4)

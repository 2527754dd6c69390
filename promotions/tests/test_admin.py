import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders.tests.factories import OrderFactory
from promotions.models import CouponTemplate, UserCoupon
from promotions.tests.factories import CouponTemplateFactory, UserCouponFactory

pytestmark = pytest.mark.django_db

TEMPLATES = reverse("admin:promotions_coupontemplate_changelist")
COUPONS = reverse("admin:promotions_usercoupon_changelist")


@pytest.fixture
def admin_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def used_coupon(template):
    order = OrderFactory()
    return UserCouponFactory(
        template=template,
        user=order.user,
        status=UserCoupon.Status.USED,
        used_at=timezone.now(),
        order=order,
    )


def test_template_list_shows_claimed_and_used_counts(admin_client):
    tpl = CouponTemplateFactory(claimed_count=3)
    UserCouponFactory(template=tpl)
    used_coupon(tpl)
    used_coupon(tpl)

    response = admin_client.get(TEMPLATES)

    assert response.status_code == 200
    row = response.context["cl"].result_list.get(pk=tpl.pk)
    assert (row.claimed_count, row.used_count) == (3, 2)


def test_template_list_queries_do_not_grow_with_rows(admin_client, django_assert_max_num_queries):
    for _ in range(10):
        used_coupon(CouponTemplateFactory())
    # session, user, counts, page, filters: a fixed number however many rows are listed.
    with django_assert_max_num_queries(10):
        response = admin_client.get(TEMPLATES)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 10


def test_template_search_by_code_and_filter(admin_client):
    wanted = CouponTemplateFactory(code="SPRING24", is_active=True)
    CouponTemplateFactory(code="AUTUMN24", is_active=False)

    found = admin_client.get(TEMPLATES, {"q": "spring"}).context["cl"].result_list
    assert [t.pk for t in found] == [wanted.pk]
    inactive = admin_client.get(TEMPLATES, {"is_active__exact": "0"}).context["cl"].result_list
    assert [t.code for t in inactive] == ["AUTUMN24"]


def test_deactivate_action(admin_client):
    tpl = CouponTemplateFactory(is_active=True)
    response = admin_client.post(
        TEMPLATES, {"action": "deactivate", "_selected_action": [tpl.pk]}, follow=True
    )
    assert response.status_code == 200
    assert CouponTemplate.objects.get(pk=tpl.pk).is_active is False


def test_user_coupons_are_read_only_and_filter_by_status(admin_client):
    unused = UserCouponFactory()
    used = used_coupon(CouponTemplateFactory())

    listed = admin_client.get(COUPONS, {"status__exact": "used"}).context["cl"].result_list
    assert [c.pk for c in listed] == [used.pk]

    assert admin_client.get(reverse("admin:promotions_usercoupon_add")).status_code == 403
    change = reverse("admin:promotions_usercoupon_change", args=[unused.pk])
    admin_client.post(change, {"status": "used"})
    unused.refresh_from_db()
    assert unused.status == UserCoupon.Status.UNUSED
    delete = reverse("admin:promotions_usercoupon_delete", args=[unused.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert UserCoupon.objects.filter(pk=unused.pk).exists()


def _form_data(tpl, **changes):
    data = {
        "name": tpl.name,
        "code": tpl.code,
        "kind": tpl.kind,
        "value": str(tpl.value),
        "max_discount": "",
        "min_spend": str(tpl.min_spend),
        "valid_from_0": tpl.valid_from.strftime("%Y-%m-%d"),
        "valid_from_1": tpl.valid_from.strftime("%H:%M:%S"),
        "valid_to_0": tpl.valid_to.strftime("%Y-%m-%d"),
        "valid_to_1": tpl.valid_to.strftime("%H:%M:%S"),
        "total_quantity": str(tpl.total_quantity),
        "per_user_limit": str(tpl.per_user_limit),
        "category": "",
        "is_active": "on",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"total_quantity": "2"}, "total_quantity"),
        ({"kind": "percent", "value": "150"}, None),
        ({"code": "spring24"}, None),
    ],
    ids=["below-claimed", "percent-over-100", "code-differs-only-in-case"],
)
def test_template_form_refuses_what_the_database_would(admin_client, changes, field):
    CouponTemplateFactory(code="SPRING24")
    tpl = CouponTemplateFactory(code="OTHER", claimed_count=3, total_quantity=10)
    url = reverse("admin:promotions_coupontemplate_change", args=[tpl.pk])

    response = admin_client.post(url, _form_data(tpl, **changes))

    assert response.status_code == 200  # the form again, with errors; never a 500
    errors = response.context["adminform"].form.errors
    assert errors
    if field:
        assert field in errors
    tpl.refresh_from_db()
    assert (tpl.code, tpl.kind, tpl.total_quantity) == ("OTHER", "fixed", 10)


def test_template_form_saves_a_valid_change(admin_client):
    tpl = CouponTemplateFactory(claimed_count=3, total_quantity=10)
    url = reverse("admin:promotions_coupontemplate_change", args=[tpl.pk])

    response = admin_client.post(url, _form_data(tpl, total_quantity="3"))

    assert response.status_code == 302
    tpl.refresh_from_db()
    assert tpl.total_quantity == 3

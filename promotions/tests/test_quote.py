"""coupon_quote: every rule and the amounts to the cent."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.tests.factories import CategoryFactory
from core.exceptions import DomainError
from promotions.models import CouponTemplate, UserCoupon
from promotions.services import CouponLine, coupon_quote
from promotions.tests.factories import CouponTemplateFactory, UserCouponFactory

pytestmark = pytest.mark.django_db

D = Decimal


def lines(*amounts, category_id=1):
    return [CouponLine(category_id=category_id, amount=D(a)) for a in amounts]


def error_code(excinfo) -> tuple[str, int]:
    return excinfo.value.code, excinfo.value.status_code


@pytest.mark.parametrize(
    ("kind", "value", "cap", "amounts", "expected"),
    [
        ("fixed", "10.00", None, ["60.00", "40.00"], "10.00"),
        # A fixed amount never discounts more than what it applies to.
        ("fixed", "50.00", None, ["30.00"], "30.00"),
        ("percent", "15", None, ["200.00"], "30.00"),
        # 15% of 333.33 = 49.9995 -> 50.00 (ROUND_HALF_UP to the cent).
        ("percent", "15", None, ["333.33"], "50.00"),
        # 10% of 0.05 = 0.005 -> 0.01, not banker's 0.00.
        ("percent", "10", None, ["0.05"], "0.01"),
        ("percent", "12.5", None, ["99.99"], "12.50"),
        ("percent", "20", "25.00", ["500.00"], "25.00"),
        ("percent", "20", "25.00", ["100.00"], "20.00"),
        ("percent", "100", None, ["19.99", "0.01"], "20.00"),
    ],
)
def test_discount_amounts(user, kind, value, cap, amounts, expected):
    tpl = CouponTemplateFactory(
        kind=kind, value=D(value), max_discount=D(cap) if cap else None, code="SAVE"
    )
    coupon = UserCouponFactory(user=user, template=tpl)

    quote = coupon_quote(user, code="SAVE", lines=lines(*amounts))

    assert quote.discount == D(expected)
    assert quote.discount.as_tuple().exponent == -2
    assert quote.user_coupon == coupon


def test_code_is_case_insensitive_and_trimmed(user):
    UserCouponFactory(user=user, template=CouponTemplateFactory(code="Summer10"))
    assert coupon_quote(user, code="  sUMMER10 ", lines=lines("50.00")).discount == D("10.00")


def test_min_spend_counts_only_eligible_amount(user):
    shoes = CategoryFactory()
    books = CategoryFactory()
    tpl = CouponTemplateFactory(code="SHOES", category=shoes, min_spend=D("100.00"))
    UserCouponFactory(user=user, template=tpl)
    cart = [
        CouponLine(category_id=shoes.pk, amount=D("99.99")),
        CouponLine(category_id=books.pk, amount=D("500.00")),
    ]

    with pytest.raises(DomainError) as excinfo:
        coupon_quote(user, code="SHOES", lines=cart)
    assert error_code(excinfo) == ("coupon_min_spend", 400)
    assert excinfo.value.extra == {"min_spend": "100.00"}

    cart[0] = CouponLine(category_id=shoes.pk, amount=D("100.00"))
    assert coupon_quote(user, code="SHOES", lines=cart).discount == D("10.00")


def test_category_restriction_includes_descendants(user):
    clothes = CategoryFactory()
    shirts = CategoryFactory(parent=clothes)
    polo = CategoryFactory(parent=shirts)
    books = CategoryFactory()
    tpl = CouponTemplateFactory(code="WEAR", kind="percent", value=D("10"), category=clothes)
    UserCouponFactory(user=user, template=tpl)
    cart = [
        CouponLine(category_id=polo.pk, amount=D("80.00")),
        CouponLine(category_id=shirts.pk, amount=D("20.00")),
        CouponLine(category_id=books.pk, amount=D("1000.00")),
    ]

    # 10% of the 100.00 of clothing only; the books do not count.
    assert coupon_quote(user, code="WEAR", lines=cart).discount == D("10.00")


def test_category_restriction_without_eligible_line(user):
    clothes = CategoryFactory()
    CategoryFactory(parent=clothes)
    books = CategoryFactory()
    UserCouponFactory(user=user, template=CouponTemplateFactory(code="WEAR", category=clothes))

    with pytest.raises(DomainError) as excinfo:
        coupon_quote(user, code="WEAR", lines=lines("100.00", category_id=books.pk))
    assert error_code(excinfo) == ("coupon_not_applicable", 400)


def test_empty_cart_is_not_applicable(user):
    UserCouponFactory(user=user, template=CouponTemplateFactory(code="SAVE"))
    with pytest.raises(DomainError) as excinfo:
        coupon_quote(user, code="SAVE", lines=[])
    assert error_code(excinfo) == ("coupon_not_applicable", 400)


def test_expired(user):
    now = timezone.now()
    tpl = CouponTemplateFactory(
        code="OLD", valid_from=now - timedelta(days=10), valid_to=now - timedelta(seconds=1)
    )
    UserCouponFactory(user=user, template=tpl)
    with pytest.raises(DomainError) as excinfo:
        coupon_quote(user, code="OLD", lines=lines("100.00"))
    assert error_code(excinfo) == ("coupon_expired", 400)


def test_valid_to_is_exclusive_and_valid_from_inclusive(user):
    now = timezone.now()
    tpl = CouponTemplateFactory(code="EDGE", valid_from=now, valid_to=now + timedelta(hours=1))
    UserCouponFactory(user=user, template=tpl)
    assert coupon_quote(user, code="EDGE", lines=lines("50.00"), at=now).discount == D("10.00")
    with pytest.raises(DomainError) as excinfo:
        coupon_quote(user, code="EDGE", lines=lines("50.00"), at=tpl.valid_to)
    assert error_code(excinfo) == ("coupon_expired", 400)


def test_not_started(user):
    now = timezone.now()
    tpl = CouponTemplateFactory(
        code="SOON", valid_from=now + timedelta(days=1), valid_to=now + timedelta(days=2)
    )
    UserCouponFactory(user=user, template=tpl)
    with pytest.raises(DomainError) as excinfo:
        coupon_quote(user, code="SOON", lines=lines("100.00"))
    assert error_code(excinfo) == ("coupon_not_started", 400)


def test_code_not_held_is_not_found(user, other_user):
    UserCouponFactory(user=other_user, template=CouponTemplateFactory(code="THEIRS"))
    for code in ["THEIRS", "NOPE", "", "   "]:
        with pytest.raises(DomainError) as excinfo:
            coupon_quote(user, code=code, lines=lines("100.00"))
        assert error_code(excinfo) == ("coupon_not_found", 400)


def test_anonymous_user_is_not_found(db):
    from django.contrib.auth.models import AnonymousUser

    UserCouponFactory(template=CouponTemplateFactory(code="SAVE"))
    with pytest.raises(DomainError) as excinfo:
        coupon_quote(AnonymousUser(), code="SAVE", lines=lines("100.00"))
    assert error_code(excinfo) == ("coupon_not_found", 400)


def test_inactive_template_is_not_found(user):
    UserCouponFactory(user=user, template=CouponTemplateFactory(code="OFF", is_active=False))
    with pytest.raises(DomainError) as excinfo:
        coupon_quote(user, code="OFF", lines=lines("100.00"))
    assert error_code(excinfo) == ("coupon_not_found", 400)


def test_already_used(user):
    UserCouponFactory(
        user=user,
        template=CouponTemplateFactory(code="ONCE"),
        status=UserCoupon.Status.USED,
        used_at=timezone.now(),
    )
    with pytest.raises(DomainError) as excinfo:
        coupon_quote(user, code="ONCE", lines=lines("100.00"))
    assert error_code(excinfo) == ("coupon_used", 409)


def test_marked_expired_coupon_is_expired(user):
    tpl = CouponTemplateFactory(code="GONE")
    UserCouponFactory(user=user, template=tpl, status=UserCoupon.Status.EXPIRED)
    with pytest.raises(DomainError) as excinfo:
        coupon_quote(user, code="GONE", lines=lines("100.00"))
    assert error_code(excinfo) == ("coupon_expired", 400)


def test_picks_the_oldest_unused_when_several_held(user):
    tpl = CouponTemplateFactory(code="MULTI", per_user_limit=3)
    UserCouponFactory(
        user=user, template=tpl, status=UserCoupon.Status.USED, used_at=timezone.now()
    )
    first = UserCouponFactory(user=user, template=tpl)
    UserCouponFactory(user=user, template=tpl)

    assert coupon_quote(user, code="MULTI", lines=lines("100.00")).user_coupon == first


def test_quote_does_not_write(user, django_assert_num_queries):
    tpl = CouponTemplateFactory(code="RO", kind=CouponTemplate.Kind.PERCENT, value=D("5"))
    coupon = UserCouponFactory(user=user, template=tpl)
    with django_assert_num_queries(1):
        coupon_quote(user, code="RO", lines=lines("100.00"))
    coupon.refresh_from_db()
    assert coupon.status == UserCoupon.Status.UNUSED

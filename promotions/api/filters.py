import django_filters

from promotions.models import UserCoupon


class UserCouponFilter(django_filters.FilterSet):
    # Filters on the `current` annotation of promotions.queries.user_coupons, so a coupon past its
    # end is listed under expired even before the Beat task ran. An unknown value answers 400.
    status = django_filters.ChoiceFilter(
        choices=UserCoupon.Status.choices, field_name="current", label="status"
    )

    class Meta:
        model = UserCoupon
        fields = ["status"]

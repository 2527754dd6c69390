from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalog.models import Category
from promotions.models import CouponTemplate, UserCoupon


class CouponCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug"]


class CouponTemplateSerializer(serializers.ModelSerializer):
    """What a coupon is worth. Money fields are strings with two decimals."""

    category = CouponCategorySerializer(read_only=True, allow_null=True)

    class Meta:
        model = CouponTemplate
        fields = [
            "id",
            "name",
            "code",
            "kind",
            "value",
            "max_discount",
            "min_spend",
            "valid_from",
            "valid_to",
            "category",
        ]
        read_only_fields = fields


class AvailableCouponSerializer(CouponTemplateSerializer):
    remaining = serializers.IntegerField(
        read_only=True, help_text=_("Coupons of this template still to be claimed.")
    )

    class Meta(CouponTemplateSerializer.Meta):
        fields = [*CouponTemplateSerializer.Meta.fields, "remaining"]
        read_only_fields = fields


class UserCouponSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        source="current_status",
        choices=UserCoupon.Status.choices,
        read_only=True,
        help_text=_("An unused coupon whose validity ended is shown as expired."),
    )
    order_number = serializers.CharField(
        source="order.number", read_only=True, allow_null=True, default=None
    )
    coupon = CouponTemplateSerializer(source="template", read_only=True)

    class Meta:
        model = UserCoupon
        fields = ["id", "status", "claimed_at", "used_at", "order_number", "coupon"]
        read_only_fields = fields

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import Order, OrderEvent, OrderLine, Shipment
from orders.services import KNOWN_GATEWAYS

# --- Cart ---------------------------------------------------------------------------------------------


class CartLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.id")
    variant_id = serializers.IntegerField(source="item.variant_id")
    product_id = serializers.IntegerField(source="item.variant.product_id")
    product_name = serializers.CharField(source="item.variant.product.name")
    variant_name = serializers.CharField(source="item.variant.name")
    sku = serializers.CharField(source="item.variant.sku")
    quantity = serializers.IntegerField(source="item.quantity")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    # No max_digits: a stored line may add up to more than an order can hold (flagged by
    # `problem`), and DRF refuses to render a value above max_digits (a 500 on every GET).
    line_total = serializers.DecimalField(max_digits=None, decimal_places=2)
    image = serializers.CharField(allow_null=True)
    available = serializers.BooleanField(
        help_text=_("False when the line cannot be bought as it is (see `problem`).")
    )
    available_quantity = serializers.IntegerField(help_text=_("Units in stock right now."))
    problem = serializers.ChoiceField(
        choices=["inactive", "insufficient_stock", "amount_too_large"],
        allow_null=True,
        help_text=_(
            "`inactive`: no longer sold; `insufficient_stock`: fewer units in stock; "
            "`amount_too_large`: the line costs more than one order can hold."
        ),
    )


class CartSerializer(serializers.Serializer):
    token = serializers.CharField(
        allow_null=True,
        help_text=_(
            "Guest cart token: send it back as the X-Cart-Token header. Null: no cart yet."
        ),
    )
    items = CartLineSerializer(many=True, source="lines")
    total_items = serializers.IntegerField(help_text=_("Sum of the quantities."))
    subtotal = serializers.DecimalField(max_digits=None, decimal_places=2)
    problem = serializers.ChoiceField(
        choices=["amount_too_large"],
        allow_null=True,
        help_text=_("`amount_too_large`: the cart adds up to more than one order can hold."),
    )


def _max_quantity():
    return settings.CART_MAX_LINE_QUANTITY


class CartItemAddSerializer(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, default=1)

    def validate_quantity(self, value):
        if value > _max_quantity():
            raise serializers.ValidationError(
                _("Ensure this value is less than or equal to %(max)d.") % {"max": _max_quantity()}
            )
        return value


class CartItemUpdateSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)

    validate_quantity = CartItemAddSerializer.validate_quantity


class CartMergeSerializer(serializers.Serializer):
    token = serializers.UUIDField()


# --- Orders -------------------------------------------------------------------------------------------


class ShippingAddressSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=20)
    province = serializers.CharField(max_length=64)
    city = serializers.CharField(max_length=64)
    street = serializers.CharField(max_length=255)
    district = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=64, required=False, allow_blank=True, default="CN")


class OrderCreateSerializer(serializers.Serializer):
    """Checkout input. There is no price here on purpose: prices come from the database."""

    address_id = serializers.IntegerField(required=False, min_value=1)
    shipping_address = ShippingAddressSerializer(required=False)
    coupon_code = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    payment_method = serializers.ChoiceField(choices=KNOWN_GATEWAYS)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if ("address_id" in attrs) == ("shipping_address" in attrs):
            raise serializers.ValidationError(
                {"address_id": [_("Give either address_id or shipping_address.")]}
            )
        return attrs


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "id",
            "variant_id",
            "product_id",
            "product_name",
            "variant_name",
            "sku",
            "unit_price",
            "quantity",
            "line_total",
        ]


class ShipmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shipment
        fields = ["id", "carrier", "tracking_number", "created_at"]


@extend_schema_field(ShippingAddressSerializer)
class AddressSnapshotField(serializers.JSONField):
    """The address as it was at checkout: a stored object, shown as it is."""


class OrderSerializer(serializers.ModelSerializer):
    items = OrderLineSerializer(many=True, source="lines", read_only=True)
    shipments = ShipmentSerializer(many=True, read_only=True)
    shipping_address = AddressSnapshotField(read_only=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "payment_status",
            "payment_method",
            "items",
            "currency",
            "subtotal",
            "discount_amount",
            "tax_amount",
            "shipping_amount",
            "total",
            "refunded_amount",
            "coupon_code",
            "shipping_address",
            "notes",
            "created_at",
            "expires_at",
            "paid_at",
            "shipped_at",
            "delivered_at",
            "cancelled_at",
            "shipments",
        ]
        read_only_fields = fields


@extend_schema_field(
    {
        "type": "string",
        "description": "status | payment | note",
        "pattern": "^(" + "|".join(OrderEvent.Kind.values) + ")$",
    }
)
class EventKindField(serializers.CharField):
    """No `enum` on purpose: drf-spectacular would name it KindEnum and collide with the coupon
    template's `kind`; the shared ENUM_NAME_OVERRIDES is not ours to edit."""


class OrderEventSerializer(serializers.ModelSerializer):
    kind = EventKindField(read_only=True)
    actor = serializers.SerializerMethodField()

    class Meta:
        model = OrderEvent
        fields = ["kind", "from_status", "to_status", "actor", "note", "created_at"]

    def get_actor(self, obj) -> str | None:
        return obj.actor.get_username() if obj.actor else None


class OrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OrderShipSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=64)
    tracking_number = serializers.CharField(max_length=64)


class OrderRefundSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class StatisticsQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": [_("end must not be before start.")]})
        return attrs


class DailyStatisticsSerializer(serializers.Serializer):
    date = serializers.DateField()
    orders = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=20, decimal_places=2)


class StatisticsSerializer(serializers.Serializer):
    total_orders = serializers.IntegerField(help_text=_("Orders of every status."))
    total_revenue = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        help_text=_(
            "Sum of total minus refunded over paid (incl. refunded) orders that are not "
            "cancelled: a cancelled paid order's money is owed back."
        ),
    )
    average_order_value = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        help_text=_("total_revenue / number of orders counted in total_revenue."),
    )
    by_status = serializers.DictField(child=serializers.IntegerField())
    daily = DailyStatisticsSerializer(many=True)

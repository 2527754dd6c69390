from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalog.models import ProductVariant
from inventory.exceptions import InvalidStockChange
from inventory.models import Stock, StockAlert, StockMovement, Warehouse
from inventory.services import ADJUST_REASONS, MAX_QUANTITY, stock_adjust_validate


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "code", "name", "address", "is_active", "priority"]


class StockSerializer(serializers.ModelSerializer):
    variant_id = serializers.IntegerField(read_only=True)
    sku = serializers.CharField(source="variant.sku", read_only=True)
    warehouse_id = serializers.IntegerField(read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    available = serializers.IntegerField(read_only=True)

    class Meta:
        model = Stock
        fields = [
            "id",
            "variant_id",
            "sku",
            "warehouse_id",
            "warehouse_code",
            "quantity",
            "quantity_allocated",
            "available",
            "low_stock_threshold",
        ]
        read_only_fields = fields


class StockAdjustSerializer(serializers.Serializer):
    variant_id = serializers.PrimaryKeyRelatedField(
        queryset=ProductVariant.objects.all(), source="variant"
    )
    warehouse_id = serializers.PrimaryKeyRelatedField(
        queryset=Warehouse.objects.all(), source="warehouse"
    )
    quantity_change = serializers.IntegerField(min_value=-MAX_QUANTITY, max_value=MAX_QUANTITY)
    reason = serializers.ChoiceField(choices=[(r.value, r.label) for r in ADJUST_REASONS])
    note = serializers.CharField(max_length=255, allow_blank=True, required=False, default="")

    def validate(self, attrs):
        try:
            stock_adjust_validate(attrs["quantity_change"], reason=attrs["reason"])
        except InvalidStockChange as exc:
            raise serializers.ValidationError({"quantity_change": [str(exc.detail)]}) from exc
        return attrs


class MovementSerializer(serializers.ModelSerializer):
    variant_id = serializers.IntegerField(source="stock.variant_id", read_only=True)
    warehouse_id = serializers.IntegerField(source="stock.warehouse_id", read_only=True)
    user = serializers.IntegerField(
        source="user_id", read_only=True, allow_null=True, help_text=_("Who made the change.")
    )
    username = serializers.CharField(source="user.username", read_only=True, allow_null=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "variant_id",
            "warehouse_id",
            "reason",
            "delta",
            "quantity_before",
            "quantity_after",
            "reference",
            "user",
            "username",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class StockAlertSerializer(serializers.ModelSerializer):
    stock = StockSerializer(read_only=True)

    class Meta:
        model = StockAlert
        fields = ["id", "level", "raised_at", "notified_at", "resolved_at", "stock"]
        read_only_fields = fields


class InventorySummarySerializer(serializers.Serializer):
    variants_tracked = serializers.IntegerField()
    stock_rows = serializers.IntegerField()
    units_on_hand = serializers.IntegerField()
    units_allocated = serializers.IntegerField()
    units_available = serializers.IntegerField()
    alerts_low = serializers.IntegerField()
    alerts_out = serializers.IntegerField()
    # No max_digits: up to MAX_ON_HAND units at MAX_UNIT_PRICE per stock row is more than any
    # fixed width holds, and DRF refuses to render a value wider than max_digits (a 500).
    stock_value = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        help_text=_("On-hand units at cost price; variants without a cost price count as 0."),
    )

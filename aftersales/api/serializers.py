"""After-sales API bodies (docs/api.md, After-sales)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.models import AfterSalesEvent, AfterSalesLine, AfterSalesPhoto, AfterSalesRequest
from aftersales.services import MAX_PHOTOS, photos_validate


class RequestLineInSerializer(serializers.Serializer[Any]):
    order_line_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)


class LinesField(serializers.ListField):
    """A list of lines; in a multipart body (with photos) the same list as a JSON string."""

    child = RequestLineInSerializer()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, list) and len(data) == 1 and isinstance(data[0], str):
            data = data[0]
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("not_a_list", input_type="str")
        return super().to_internal_value(data)

    def get_value(self, dictionary: Any) -> Any:
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            values = dictionary.getlist(self.field_name)
            if len(values) == 1 and isinstance(values[0], str):
                return values[0]
        return super().get_value(dictionary)


class RequestCreateSerializer(serializers.Serializer[Any]):
    order_number = serializers.CharField(max_length=32)
    kind = serializers.ChoiceField(choices=AfterSalesRequest.Kind.choices)
    lines = LinesField(
        min_length=1,
        max_length=200,
        help_text="[{order_line_id, quantity}]; in a multipart body, the same list as JSON text.",
    )
    reason = serializers.ChoiceField(choices=AfterSalesRequest.Reason.choices)
    description = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=MAX_PHOTOS,
        help_text="Up to 3 JPEG, PNG, WebP or GIF images (multipart).",
    )

    def validate_photos(self, photos: list[Any]) -> list[Any]:
        try:
            photos_validate(photos)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return photos


class RequestLineSerializer(serializers.ModelSerializer[AfterSalesLine]):
    order_line_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="order_line.product_name", read_only=True)
    variant_name = serializers.CharField(source="order_line.variant_name", read_only=True)
    sku = serializers.CharField(source="order_line.sku", read_only=True)

    class Meta:
        model = AfterSalesLine
        fields = [
            "order_line_id",
            "product_name",
            "variant_name",
            "sku",
            "quantity",
            "refund_amount",
            "restock",
        ]
        read_only_fields = fields


class PhotoSerializer(serializers.ModelSerializer[AfterSalesPhoto]):
    class Meta:
        model = AfterSalesPhoto
        fields = ["id", "image"]
        read_only_fields = fields


class RequestSerializer(serializers.ModelSerializer[AfterSalesRequest]):
    order_number = serializers.CharField(source="order.number", read_only=True)
    lines = RequestLineSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = AfterSalesRequest
        fields = [
            "id",
            "order_number",
            "kind",
            "status",
            "reason",
            "description",
            "lines",
            "refund_amount",
            "shipping_refund",
            "return_carrier",
            "return_tracking_number",
            "photos",
            "created_at",
            "updated_at",
            "decided_at",
            "returned_at",
            "received_at",
            "refunded_at",
            "closed_at",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer[AfterSalesEvent]):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = AfterSalesEvent
        fields = ["from_status", "to_status", "actor", "note", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, obj: AfterSalesEvent) -> str | None:
        return obj.actor.get_username() if obj.actor else None


class NoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ShipBackSerializer(serializers.Serializer[Any]):
    carrier = serializers.CharField(max_length=64)
    tracking_number = serializers.CharField(max_length=64)


class ReceiveLineSerializer(serializers.Serializer[Any]):
    order_line_id = serializers.IntegerField(min_value=1)
    restock = serializers.BooleanField()


class ReceiveSerializer(serializers.Serializer[Any]):
    lines = ReceiveLineSerializer(many=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ListQuerySerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=AfterSalesRequest.Status.choices, required=False)

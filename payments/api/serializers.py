from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from payments.gateways import KNOWN
from payments.models import Payment


class PayRequestSerializer(serializers.Serializer):
    gateway = serializers.ChoiceField(choices=list(KNOWN))
    channel = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    return_url = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Where the gateway sends the payer back: a path or a URL of this shop."),
    )
    openid = serializers.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("WeChat JSAPI: optional; if sent, it must be the openid of the WeChat login."),
    )

    def validate_return_url(self, value: str) -> str:
        if not value:
            return value
        if value.startswith("/") and not value.startswith("//"):
            return settings.SITE_URL + value
        hosts = {*settings.ALLOWED_HOSTS, settings.SITE_URL.split("://", 1)[-1].split("/")[0]}
        if not url_has_allowed_host_and_scheme(value, allowed_hosts=hosts):
            # Not an open redirect through the gateway's return page.
            raise serializers.ValidationError(_("Only a page of this shop."))
        return value


class PayAnswerSerializer(serializers.Serializer):
    payment_id = serializers.IntegerField()
    id = serializers.IntegerField()
    gateway = serializers.CharField()
    channel = serializers.CharField()
    out_trade_no = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    order_number = serializers.CharField()
    client = serializers.DictField(
        help_text=_("What the client needs: pay_url, code_url or jsapi_params.")
    )
    pay_url = serializers.CharField(required=False)
    code_url = serializers.CharField(required=False)
    jsapi_params = serializers.DictField(required=False)


class PaymentSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number")
    refunded_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="refunded_sum", read_only=True
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "status",
            "gateway",
            "channel",
            "amount",
            "refunded_amount",
            "order_number",
            "out_trade_no",
            "paid_at",
            "created_at",
        ]

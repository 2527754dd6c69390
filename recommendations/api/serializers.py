"""Serializers of the recommendations API. The product inside each answer is catalog's list item;
recommendations may not import catalog's api, so the project passes that serializer in when it
wires the URLs (shop/api_urls.py -> recommendations.api.urls.recommendation_urls)."""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from recommendations.models import EventKind

DAYS_MAX = 365


class EventSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1)
    type = serializers.ChoiceField(choices=EventKind.choices)


class FavouriteAddSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1)


class ListQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1)

    def validate_limit(self, value: int) -> int:
        most = settings.RECOMMENDATIONS_LIST_SIZE
        if value > most:
            raise serializers.ValidationError(
                _("Ensure this value is less than or equal to %(most)d.") % {"most": most}
            )
        return value


class TrendingQuerySerializer(ListQuerySerializer):
    days = serializers.IntegerField(required=False, min_value=1, max_value=DAYS_MAX)


@cache
def answer_serializers(product_serializer: type[serializers.Serializer]) -> SimpleNamespace:
    """The answer serializers around the product list item serializer given (built once)."""

    class RecommendationSerializer(serializers.Serializer):
        product = product_serializer(read_only=True)
        score = serializers.FloatField(read_only=True)
        reason = serializers.CharField(read_only=True)

    class FavouriteSerializer(serializers.Serializer):
        product = product_serializer(read_only=True)
        created_at = serializers.DateTimeField(read_only=True)
        price_dropped = serializers.BooleanField(read_only=True)

    return SimpleNamespace(
        recommendation=RecommendationSerializer,
        favourite=FavouriteSerializer,
        product=product_serializer,
    )

"""Recommendations, favourites and history endpoints: thin views over services and queries.

Each view's `answers` (the serializers around catalog's product list item) and the schema of its
answers are given by recommendations.api.urls.recommendation_urls, which the project calls with
catalog's serializer.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.permissions import signed_in_user
from recommendations import queries, services
from recommendations.api.serializers import (
    EventSerializer,
    FavouriteAddSerializer,
    ListQuerySerializer,
    TrendingQuerySerializer,
)
from recommendations.exceptions import ProductNotFound
from recommendations.visitors import request_visitor

CART_TOKEN_HEADER = OpenApiParameter(
    "X-Cart-Token",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="A guest's cart token (also accepted as ?cart_token=); pages use the session.",
)
LIMIT = OpenApiParameter(
    "limit", OpenApiTypes.INT, description="How many products (1 to 20, default 10)."
)
DAYS = OpenApiParameter(
    "days", OpenApiTypes.INT, description="Trending over the last N days (default 7)."
)
ERROR = OpenApiResponse(description='Domain error: {"code", "detail"}')


def _limit(request: Request) -> int:
    query = ListQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return queries.limit_clamp(query.validated_data.get("limit", queries.DEFAULT_LIMIT))


class _Answering(APIView):
    answers: Any = None  # SimpleNamespace from api.serializers.answer_serializers

    @property
    def _answers(self) -> SimpleNamespace:
        return self.answers

    def _list(self, picks: list[queries.Recommended]) -> Response:
        serializer = self._answers.recommendation(
            picks, many=True, context={"request": self.request}
        )
        return Response(serializer.data)


class EventView(_Answering):
    permission_classes = [permissions.AllowAny]
    # Unthrottled, one client could fill the buffer (and the events table) as fast as it posts.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "reco_events"

    @extend_schema(
        parameters=[CART_TOKEN_HEADER],
        request=EventSerializer,
        responses={202: None, 404: ERROR},
        tags=["recommendations"],
        description="Record what the shopper did (view, cart, purchase, like, share); guests "
        "too. Written in bulk moments later.",
    )
    def post(self, request: Request) -> Response:
        body = EventSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product_id = body.validated_data["product_id"]
        if not queries.product_shown(product_id):
            raise ProductNotFound()
        services.events_record(
            body.validated_data["type"],
            [product_id],
            user=request.user,
            visitor=request_visitor(request),
        )
        return Response(status=status.HTTP_202_ACCEPTED)


class ForMeView(_Answering):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[LIMIT], tags=["recommendations"])
    def get(self, request: Request) -> Response:
        return self._list(queries.for_user(request.user, limit=_limit(request)))


class SimilarView(_Answering):
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[LIMIT], tags=["recommendations"])
    def get(self, request: Request, product_id: int) -> Response:
        try:
            picks = queries.similar(product_id, limit=_limit(request))
        except queries.SourceNotShown:
            raise ProductNotFound() from None
        return self._list(picks)


class AlsoBoughtView(_Answering):
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[LIMIT], tags=["recommendations"])
    def get(self, request: Request, product_id: int) -> Response:
        try:
            picks = queries.also_bought(product_id, limit=_limit(request))
        except queries.SourceNotShown:
            raise ProductNotFound() from None
        return self._list(picks)


class TrendingView(_Answering):
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[LIMIT, DAYS], tags=["recommendations"])
    def get(self, request: Request) -> Response:
        query = TrendingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        picks = queries.trending(
            days=data.get("days", queries.DEFAULT_TRENDING_DAYS),
            limit=queries.limit_clamp(data.get("limit", queries.DEFAULT_LIMIT)),
        )
        return self._list(picks)


class FavouritesView(_Answering):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(tags=["favourites"])
    def get(self, request: Request) -> Response:
        serializer = self._answers.favourite(
            queries.favourites_of(request.user), many=True, context={"request": request}
        )
        return Response(serializer.data)

    @extend_schema(
        request=FavouriteAddSerializer,
        tags=["favourites"],
        description="Like a product: 201 when new, 200 when it was liked already.",
    )
    def post(self, request: Request) -> Response:
        body = FavouriteAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        favourite, created = services.favourite_add(
            signed_in_user(request), product_id=body.validated_data["product_id"]
        )
        item = next(
            (
                f
                for f in queries.favourites_of(request.user)
                if f.product.pk == favourite.product_id
            ),
            None,
        )
        data = (
            self._answers.favourite(item, context={"request": request}).data
            if item is not None
            else {}
        )
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class FavouriteView(_Answering):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None, 404: ERROR}, tags=["favourites"])
    def delete(self, request: Request, product_id: int) -> Response:
        services.favourite_remove(signed_in_user(request), product_id=product_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HistoryView(_Answering):
    permission_classes = [permissions.AllowAny]

    def _owner(self, request: Request) -> dict[str, Any]:
        if request.user.is_authenticated:
            return {"user": request.user}
        return {"visitor": request_visitor(request)}

    @extend_schema(parameters=[CART_TOKEN_HEADER], tags=["favourites"])
    def get(self, request: Request) -> Response:
        products = queries.history_of(**self._owner(request))
        serializer = self._answers.product(products, many=True, context={"request": request})
        return Response(serializer.data)

    @extend_schema(parameters=[CART_TOKEN_HEADER], responses={204: None}, tags=["favourites"])
    def delete(self, request: Request) -> Response:
        services.history_clear(**self._owner(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

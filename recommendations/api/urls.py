"""The recommendations endpoints. Their answers hold catalog's product list item, which this app
may not import (catalog.api): the project passes it in (shop/api_urls.py)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from recommendations.api import views
from recommendations.api.serializers import answer_serializers

ERROR = views.ERROR


def _wired(cls: type[views._Answering], answers: Any, **responses: Any) -> Any:
    """The view with its answer serializers, and their schema per method."""
    sub: Any = type(cls.__name__, (cls,), {"answers": answers, "__module__": cls.__module__})
    schemas = {method: extend_schema(responses=r) for method, r in responses.items()}
    return extend_schema_view(**schemas)(sub).as_view()


def recommendation_urls(
    *, product_serializer: type[serializers.Serializer]
) -> list[URLPattern | URLResolver]:
    a = answer_serializers(product_serializer)
    listed = {200: a.recommendation(many=True)}
    item_list = {200: a.recommendation(many=True), 404: ERROR}
    return [
        path(
            "recommendations/events/",
            _wired(views.EventView, a, post={202: None, 404: ERROR}),
            name="recommendation-events",
        ),
        path(
            "recommendations/for-me/",
            _wired(views.ForMeView, a, get=listed),
            name="recommendations-for-me",
        ),
        path(
            "recommendations/similar/<int:product_id>/",
            _wired(views.SimilarView, a, get=item_list),
            name="recommendations-similar",
        ),
        path(
            "recommendations/also-bought/<int:product_id>/",
            _wired(views.AlsoBoughtView, a, get=item_list),
            name="recommendations-also-bought",
        ),
        path(
            "recommendations/trending/",
            _wired(views.TrendingView, a, get=listed),
            name="recommendations-trending",
        ),
        path(
            "favourites/",
            _wired(
                views.FavouritesView,
                a,
                get={200: a.favourite(many=True)},
                post={201: a.favourite, 200: a.favourite, 404: ERROR},
            ),
            name="favourites",
        ),
        path(
            "favourites/<int:product_id>/",
            _wired(views.FavouriteView, a, delete={204: None, 404: ERROR}),
            name="favourite",
        ),
        path(
            "history/",
            _wired(views.HistoryView, a, get={200: a.product(many=True)}, delete={204: None}),
            name="history",
        ),
    ]

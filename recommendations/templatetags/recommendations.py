"""The favourite heart and "recently viewed" for pages of the apps below this one (catalog's
product and home pages, accounts' profile): they may not import recommendations, so their
templates load these tags, which read through recommendations' own queries."""

from __future__ import annotations

from typing import Any

from django import template

from recommendations import queries
from recommendations.models import Favourite
from recommendations.visitors import request_visitor

register = template.Library()


@register.inclusion_tag("recommendations/_heart.html", takes_context=True)
def favourite_heart(context: dict[str, Any], product: Any) -> dict[str, Any]:
    """One query for a signed-in shopper (does he like it?), none for a guest."""
    request = context["request"]
    user = request.user
    liked = (
        user.is_authenticated
        and Favourite.objects.filter(user_id=user.pk, product_id=product.pk).exists()
    )
    return {"product": product, "liked": liked, "user": user, "request": request}


@register.inclusion_tag("recommendations/_recently_viewed.html", takes_context=True)
def recently_viewed(context: dict[str, Any], limit: int = 8) -> dict[str, Any]:
    """The shopper's recently viewed products, newest first (one query: products with their
    primary images), for a user or a guest by cart token or session."""
    request = context["request"]
    if request.user.is_authenticated:
        products = queries.history_of(user=request.user)
    else:
        visitor = request_visitor(request)
        products = queries.history_of(visitor=visitor) if visitor else []
    return {"products": products[:limit], "request": request}

"""Everything under /api/v1/: each domain contributes its own api/urls.py."""

from django.urls import include, path, re_path
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    schema,
)
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from catalog.api.serializers import ProductListSerializer
from recommendations.api.urls import recommendation_urls

app_name = "api"


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
@schema(None)
def not_found(request, *args, **kwargs):
    """Any path under /api/v1/ that no app claims: a JSON 404 in the API's error format, not an
    HTML page (and not APPEND_SLASH's 500 for a POST without its trailing slash)."""
    raise NotFound()


urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("promotions.api.urls")),
    path("", include("payments.api.urls")),
    path("", include("aftersales.api.urls")),
    # Recommendations answer catalog's product list items; it may not import catalog's api.
    path("", include(recommendation_urls(product_serializer=ProductListSerializer))),
    # Last: nothing else matched.
    # [\s\S], not ".": a path with a newline in it (%0A) must land here too.
    re_path(r"^[\s\S]*$", not_found, name="not-found"),
]

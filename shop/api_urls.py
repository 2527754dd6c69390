"""Everything under /api/v1/: each domain contributes its own api/urls.py."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("catalog.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("promotions.api.urls")),
    path("", include("payments.api.urls")),
    path("", include("recommendations.api.urls")),
]

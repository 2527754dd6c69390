from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.urls import account_urls
from orders.cart_session import cart_merge_after_login
from shop.health import health
from shop.seo import SITEMAPS, robots_txt

urlpatterns = [
    path("health/", health, name="health"),
    path("", include("django_prometheus.urls")),  # /metrics
    path("admin/", admin.site.urls),
    path("api/v1/", include("shop.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "favicon.svg", permanent=True)
    ),
    path("robots.txt", robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    # A storefront login or registration merges the visitor's guest cart into their own cart.
    # Before accounts' pages: /account/favourites/ and /account/history/ are recommendations'.
    path("", include("recommendations.urls")),
    path("account/", include(account_urls(after_login=cart_merge_after_login))),
    path("", include("catalog.urls")),
    path("", include("promotions.urls")),
    path("", include("orders.urls")),
    path("", include("payments.urls")),
    path("", include("aftersales.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Errors in the shop's look (templates/404.html, 403.html, 500.html); the 500 page needs no database.
handler500 = "shop.errors.server_error"

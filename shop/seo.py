"""What search engines read: `/sitemap.xml` (products, categories and the static pages) and
`/robots.txt`, which points at it and keeps crawlers out of private and API paths."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from catalog.sitemaps import CategorySitemap, ProductSitemap, SiteUrlSitemap


class StaticSitemap(SiteUrlSitemap):
    """Pages that are not catalogue rows, by URL name."""

    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[str]:
        return ["catalog:home"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {"static": StaticSitemap, "categories": CategorySitemap, "products": ProductSitemap}

# Paths a crawler has no business in: the admin, a shopper's own pages, the API.
ROBOTS_DISALLOW = ["/admin/", "/cart/", "/checkout/", "/orders/", "/account/", "/api/"]


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    lines += ["", f"Sitemap: {settings.SITE_URL}{reverse('sitemap')}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

"""Sitemaps of the catalogue (django.contrib.sitemaps): shown products and categories, with
addresses on SITE_URL, the shop's one public address (the sites framework is not installed)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from catalog import queries
from catalog.models import Category, Product


class SiteUrlSitemap(Sitemap):
    """A sitemap whose addresses start with settings.SITE_URL, whatever host the request named."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site: Any = None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class ProductSitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return (
            queries.product_list()
            .select_related(None)
            .prefetch_related(None)
            .only("pk", "slug", "updated_at")
            .order_by("pk")
        )

    def location(self, item: Product) -> str:
        return reverse("catalog:product", args=[item.slug])

    def lastmod(self, item: Product):
        return item.updated_at


class CategorySitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self) -> list[Category]:
        return [node.category for node in _walk(queries.category_tree())]

    def location(self, item: Category) -> str:
        return reverse("catalog:category", args=[item.slug])

    def lastmod(self, item: Category):
        return item.updated_at


def _walk(nodes: list[queries.CategoryNode]) -> list[queries.CategoryNode]:
    out: list[queries.CategoryNode] = []
    for node in nodes:
        out.append(node)
        out.extend(_walk(node.children))
    return out

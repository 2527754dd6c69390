"""The product listing behind the category and search pages: the API's filters read from a page's
GET parameters, paginated, and the rendered fragment cached like the API's lists.

The filters are the API's own (catalog.api.filters.ProductFilter: price on the shown price, the
stored in_stock column, the orderings, search with relevance first), under the page's parameter
names (`q` for the API's `search`). A page never fails on a bad value: a parameter the filters
refuse is left out (and named in `ignored`), a page number that is not a number is the first page,
and only a page past the end is a 404, as Django's paginator has it.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.utils.http import urlencode
from django.utils.translation import get_language

from catalog import cache as catalog_cache
from catalog import queries
from catalog.api.filters import ProductFilter, StrictBooleanField
from catalog.cache import CacheUnavailable, cache_call
from catalog.models import Product

PAGE_SIZE = 24
# Page parameter -> the API filter's name.
PARAMS = {
    "q": "search",
    "ordering": "ordering",
    "min_price": "min_price",
    "max_price": "max_price",
    "brand": "brand",
    "in_stock": "in_stock",
}
MAX_TERMS = 200  # the API's `search` max_length; longer terms are cut, not refused


class PageProductFilter(ProductFilter):
    """The API's filters; the search also says whether only its typo fallback matched."""

    typo = False

    def filter_search(self, queryset, name, value):
        match = queries.product_search_match(queryset, value)
        self.typo = match.typo
        return match.products


@dataclass
class Filters:
    """What a page's GET parameters ask for: the accepted values under the page's names."""

    values: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    page_number: int = 1

    @property
    def terms(self) -> str:
        return self.values.get("q", "")

    @property
    def in_stock_only(self) -> bool:
        return self.values.get("in_stock", "").lower() in StrictBooleanField.TRUE

    @property
    def terms_query_string(self) -> str:
        return urlencode({"q": self.terms}) if self.terms else ""

    def query_string(self, **changes: Any) -> str:
        """The filters as a query string, with `changes` (None drops a parameter)."""
        values: dict[str, Any] = {**self.values, **changes}
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

    def cache_variant(self) -> str:
        return repr(sorted(self.values.items())) + f":{self.page_number}"


def filters_from_request(get: QueryDict) -> Filters:
    raw = {}
    for name in PARAMS:
        value = get.get(name, "").replace("\x00", "").strip()
        if name == "q":
            value = value[:MAX_TERMS]
        if value:
            raw[name] = value
    form = PageProductFilter(
        data={PARAMS[name]: value for name, value in raw.items()}, queryset=Product.objects.none()
    ).form
    form.is_valid()
    refused = {page for page, api in PARAMS.items() if api in form.errors and page in raw}
    filters = Filters(
        values={name: value for name, value in raw.items() if name not in refused},
        ignored=sorted(refused),
    )
    try:
        filters.page_number = int(get.get("page", "1"))
    except ValueError:
        filters.page_number = 1
    return filters


@dataclass
class Listing:
    page: Page
    filters: Filters
    typo: bool = False
    correction: str = ""

    @property
    def count(self) -> int:
        return self.page.paginator.count

    def page_url(self, number: int) -> str:
        query = self.filters.query_string(page=number if number > 1 else None)
        return f"?{query}" if query else "?"

    @property
    def previous_url(self) -> str:
        return self.page_url(self.page.number - 1) if self.page.has_previous() else ""

    @property
    def next_url(self) -> str:
        return self.page_url(self.page.number + 1) if self.page.has_next() else ""

    @property
    def page_links(self) -> list[tuple[int | None, str]]:
        """(number, url) for the first, the last and two pages either side of the current one;
        (None, "") where pages are skipped."""
        last, current = self.page.paginator.num_pages, self.page.number
        shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
        links: list[tuple[int | None, str]] = []
        for number in shown:
            if links and links[-1][0] is not None and number - (links[-1][0] or 0) > 1:
                links.append((None, ""))
            links.append((number, self.page_url(number)))
        return links


def listing(qs: QuerySet[Product], filters: Filters) -> Listing:
    """A page of `qs` filtered and ordered as `filters` ask; Http404 for a page past the end."""
    filterset = PageProductFilter(
        data={PARAMS[name]: value for name, value in filters.values.items()}, queryset=qs
    )
    products = filterset.qs
    paginator = Paginator(products, PAGE_SIZE)
    try:
        page = paginator.page(filters.page_number)
    except EmptyPage as exc:
        raise Http404(str(exc)) from exc
    result = Listing(page=page, filters=filters, typo=filterset.typo)
    if result.typo and filters.terms:
        result.correction = queries.search_correction(filters.terms, [p.name for p in page])
    return result


# --- The cached fragment ----------------------------------------------------------------------------


def fragment_key(kind: str, scope: str, filters: Filters) -> str | None:
    """The cache key of a listing fragment, or None when the cache is down. It carries the catalogue's
    list version (catalog.cache: bumped on commit by every price, stock or product change), so a
    change shows on the next page view, and the language, since names follow it."""
    try:
        version = cache_call(catalog_cache.list_version)
    except CacheUnavailable:
        return None
    variant = f"page:{kind}:{scope}:{get_language()}:{filters.cache_variant()}"
    return catalog_cache.list_answer_key(version, variant)


def fragment_get(key: str | None) -> str | None:
    if key is None:
        return None
    try:
        return cache_call(cache.get, key)
    except CacheUnavailable:
        return None


def fragment_set(key: str | None, html: str, timeout: int) -> None:
    if key is None:
        return
    with suppress(CacheUnavailable):
        cache_call(cache.set, key, html, timeout)

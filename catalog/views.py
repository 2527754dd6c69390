"""Storefront pages of the catalogue. Thin: reads come from catalog.queries."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from catalog import cache as catalog_cache
from catalog import queries, services, suggestions
from catalog.cache import CacheUnavailable, cache_call
from catalog.forms import ORDERING_CHOICES, ReviewForm
from catalog.listing import (
    Filters,
    filters_from_request,
    fragment_get,
    fragment_key,
    fragment_set,
    listing,
)
from catalog.models import Category, Product
from catalog.suggestions import (
    VISITOR_COOKIE,
    VISITOR_COOKIE_AGE,
    suggestions_for_you,
)
from core import db
from core.exceptions import DomainError

REVIEWS_SHOWN = 20


HOME_LIST_LENGTH = 8
PREVIEW_RANGE = timedelta(days=366 * 100)


def _preview_moment(request) -> datetime | None:
    """People who edit in the admin (staff, merchants) see the home page as it will look at
    `?preview=2026-12-01T10:00` (or a date); anyone else, or a malformed value, gets the live page."""
    raw = request.GET.get("preview", "").strip()
    user = request.user
    if not raw or not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    try:
        # parse_* raise ValueError on a well-formed but impossible value ("2026-02-30", "+99:00").
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            if day is None:
                return None
            moment = datetime(day.year, day.month, day.day)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    except (ValueError, OverflowError):
        return None
    # A preview far away (year 1, year 9999) would overflow the schedule arithmetic: live page.
    if abs(moment - timezone.now()) > PREVIEW_RANGE:
        return None
    return moment


def _catalogue_html(at: datetime) -> tuple[str, int]:
    """Banners, curated sections, new arrivals, trending and the category links, rendered; and
    how long that may be cached."""
    content = queries.home_content(
        at=at, newest=HOME_LIST_LENGTH, trending=HOME_LIST_LENGTH, with_categories=True
    )
    html = render_to_string("catalog/_home_catalogue.html", {"content": content})
    timeout = catalog_cache.seconds_until(
        content.changes_at, at=at, longest=settings.CATALOG_LIST_CACHE_SECONDS
    )
    return html, timeout


def _catalogue_fragment() -> str:
    """The shared part of the home page, cached per language like the catalogue's API answers:
    a price, stock or content edit bumps the list version (catalog.cache), so the next view shows
    it; a banner's start or end expires the copy."""
    now = timezone.now()
    try:
        version = cache_call(catalog_cache.list_version)
        key = catalog_cache.home_answer_key(version, f"page|{translation.get_language()}")
        html = cache_call(cache.get, key)
    except CacheUnavailable:
        return _catalogue_html(now)[0]
    if html is not None:
        return html
    db.pin_reads()
    html, timeout = _catalogue_html(now)
    if timeout > 0:
        with suppress(CacheUnavailable):
            cache_call(cache.set, key, html, timeout)
    return html


def home(request):
    preview_at = _preview_moment(request)
    # A preview is never cached: it is not the live page.
    catalogue = _catalogue_html(preview_at)[0] if preview_at else _catalogue_fragment()
    for_you = suggestions_for_you(request.user) if request.user.is_authenticated else []
    context = {
        # Rendered by our own template, which escapes every value (render_to_string autoescapes).
        "catalogue": mark_safe(catalogue),
        "for_you": for_you,
        "preview_at": preview_at,
        "canonical_url": settings.SITE_URL + "/",
    }
    return render(request, "catalog/home.html", context)


# --- Category, search and product pages ---------------------------------------------------------


def _canonical(path: str, page_number: int = 1) -> str:
    """The page's one address for search engines: SITE_URL, the path, and the page number past the
    first (filters and sorting are variations of the same page)."""
    url = settings.SITE_URL + path
    return f"{url}?page={page_number}" if page_number > 1 else url


def _path(
    nodes: list[queries.CategoryNode], found: Callable[[Category], bool]
) -> list[queries.CategoryNode]:
    """The path from a root to the first shown category that `found` accepts (empty when none)."""
    for node in nodes:
        if found(node.category):
            return [node]
        below = _path(node.children, found)
        if below:
            return [node, *below]
    return []


def _subtree_ids(node: queries.CategoryNode) -> list[int]:
    ids = [node.category.pk]
    for child in node.children:
        ids.extend(_subtree_ids(child))
    return ids


def _listing_fragment(
    *, kind: str, scope: str, filters: Filters, products: Callable[[], QuerySet[Product]]
) -> str:
    """The results (count, cards, pages, empty state), from the cache when the catalogue has not
    changed since (catalog.cache's list version), per language."""
    key = fragment_key(kind, scope, filters)
    html = fragment_get(key)
    if html is not None:
        return mark_safe(html)  # our own template's output, cached as text
    db.pin_reads()  # what is cached must not come from a lagging replica
    result = listing(products(), filters)
    popular = []
    if not result.count:
        popular = [s.product for s in suggestions.suggestions_for_you(None, limit=4)]
    html = render_to_string(
        "catalog/_listing.html",
        {
            "listing": result,
            "page": result.page,
            "filters": filters,
            "popular": popular,
            "kind": kind,
        },
    )
    fragment_set(key, html, settings.CATALOG_LIST_CACHE_SECONDS)
    return html


def _listing_context(filters: Filters, brands) -> dict:
    return {
        "filters": filters,
        "brands": brands,
        "orderings": ORDERING_CHOICES,
    }


def category_detail(request, slug: str):
    tree = queries.category_tree()
    path = _path(tree, lambda category: category.slug == slug)
    if not path:
        raise Http404(_("No such category."))
    node = path[-1]
    filters = filters_from_request(request.GET)
    fragment = _listing_fragment(
        kind="category",
        scope=str(node.category.pk),
        filters=filters,
        # The tree holds shown categories only, so the subtree needs no other hidden-category check.
        products=lambda: queries.product_list(hidden_category_ids=set()).filter(
            category_id__in=_subtree_ids(node)
        ),
    )
    category = node.category
    context = {
        "category": category,
        "breadcrumbs": [n.category for n in path[:-1]],
        "subcategories": [child.category for child in node.children],
        "listing_html": fragment,
        "canonical_url": _canonical(request.path, filters.page_number),
        "meta_description": category.description
        or _("%(category)s at %(shop)s: prices, stock and reviews.")
        % {"category": category.name, "shop": settings.SHOP_NAME},
        "form_action": request.path,
        **_listing_context(filters, queries.brands_for_listing(category_ids=_subtree_ids(node))),
    }
    return render(request, "catalog/category.html", context)


def search(request):
    filters = filters_from_request(request.GET)
    fragment = _listing_fragment(
        kind="search", scope="", filters=filters, products=queries.product_list
    )
    context = {
        "listing_html": fragment,
        "canonical_url": _canonical(request.path),
        "form_action": request.path,
        **_listing_context(filters, queries.brands_for_listing()),
    }
    return render(request, "catalog/search.html", context)


def _visitor(request) -> tuple[str, str]:
    """A guest's identity for behaviour (catalog.suggestions.page_visitor), and a new visitor
    cookie to set ("" if none): a guest who only browses has no session, and a random cookie (no
    database row) lets "recently viewed" work before any cart add."""
    known = suggestions.page_visitor(request)
    if known:
        return known, ""
    fresh = secrets.token_hex(16)
    return fresh, fresh


def product_detail(request, slug: str):
    tree = queries.category_tree()
    # The tree holds shown categories only: a product outside it is hidden (one query, not two).
    product = queries.product_detail(hidden_category_ids=set()).filter(slug=slug).first()
    path = (
        _path(tree, lambda category: category.pk == product.category_id)
        if product is not None
        else []
    )
    if product is None or not path:
        raise Http404(_("No such product."))
    variants = product.shown_variants  # type: ignore[attr-defined]  # prefetched to_attr
    selected = next((v for v in variants if v.in_stock), variants[0] if variants else None)
    reviews = list(queries.product_reviews(product)[:REVIEWS_SHOWN])
    user = request.user
    review_form = refusal = None
    if user.is_authenticated:
        refusal = services.review_refusal(user, product)
        if refusal is None:
            review_form = ReviewForm()
    lists = suggestions.suggestions_for_product(product, limit=4)
    similar = [s.product for s in lists.similar]
    also_bought = [s.product for s in lists.also_bought]
    visitor, new_cookie = ("", "") if user.is_authenticated else _visitor(request)
    suggestions.behaviour_record(
        "view",
        [product.pk],
        user=user if user.is_authenticated else None,
        visitor=visitor,
    )
    description = (
        product.short_description
        or Truncator(strip_tags(product.description)).chars(160)
        or _("%(product)s at %(shop)s: price, options and reviews.")
        % {"product": product.name, "shop": settings.SHOP_NAME}
    )
    context = {
        "product": product,
        "breadcrumbs": [n.category for n in path],
        "images": product.all_images,  # type: ignore[attr-defined]
        "variants": variants,
        "selected": selected,
        "reviews": reviews,
        "review_form": review_form,
        "review_refusal": refusal,
        "similar": similar,
        "also_bought": also_bought,
        "canonical_url": _canonical(request.path),
        "meta_description": description,
    }
    response = render(request, "catalog/product.html", context)
    if new_cookie:
        response.set_cookie(
            VISITOR_COOKIE,
            new_cookie,
            max_age=VISITOR_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@require_POST
@login_required
def review_create(request, slug: str):
    product = get_object_or_404(
        queries.product_list().select_related(None).prefetch_related(None), slug=slug
    )
    form = ReviewForm(request.POST)
    target = reverse("catalog:product", args=[product.slug]) + "#reviews"
    if not form.is_valid():
        for field_errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in field_errors))
        return redirect(target)
    try:
        services.review_create(user=request.user, product=product, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Thank you for your review."))
    return redirect(target)

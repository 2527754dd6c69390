"""Storefront pages of the catalogue. Thin: reads come from catalog.queries."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import mark_safe

from catalog import cache as catalog_cache
from catalog import queries
from catalog.cache import CacheUnavailable, cache_call
from catalog.suggestions import suggestions_for_you
from core import db

HOME_LIST_LENGTH = 8


def _preview_moment(request) -> datetime | None:
    """People who edit in the admin (staff, merchants) see the home page as it will look at
    `?preview=2026-12-01T10:00` (or a date); anyone else, or a malformed value, gets the live page."""
    raw = request.GET.get("preview", "").strip()
    user = request.user
    if not raw or not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw)
        if day is None:
            return None
        moment = datetime(day.year, day.month, day.day)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
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

"""Storefront pages of recommendations: favourites (the heart's target) and recently viewed.

Plain forms with CSRF, no JavaScript needed. The product page's heart and the home page's
"recently viewed" are includes (templates/recommendations/_heart.html, _recently_viewed.html).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import signed_in_user
from core.exceptions import DomainError
from recommendations import queries, services
from recommendations.visitors import request_visitor


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def favourites(request: HttpRequest) -> HttpResponse:
    items = queries.favourites_of(request.user)
    return render(request, "recommendations/favourites.html", {"favourites": items})


@require_POST
@login_required
def favourite_toggle(request: HttpRequest, product_id: int) -> HttpResponse:
    try:
        liked = services.favourite_toggle(signed_in_user(request), product_id=product_id)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(
            request, _("Added to your favourites.") if liked else _("Removed from your favourites.")
        )
    return redirect(_back(request, reverse("recommendations:favourites")))


def _owner(request: HttpRequest) -> dict[str, object]:
    if request.user.is_authenticated:
        return {"user": request.user}
    return {"visitor": request_visitor(request)}


def history(request: HttpRequest) -> HttpResponse:
    products = queries.history_of(**_owner(request))  # type: ignore[arg-type]
    return render(request, "recommendations/history.html", {"products": products})


@require_POST
def history_clear(request: HttpRequest) -> HttpResponse:
    services.history_clear(**_owner(request))  # type: ignore[arg-type]
    messages.success(request, _("Your browsing history is cleared."))
    return redirect(_back(request, reverse("recommendations:history")))

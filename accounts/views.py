"""Storefront account pages: Django sessions and CSRF, the same users and services as the API."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts import queries, services
from accounts.forms import AddressForm, LoginForm, ProfileForm, RegisterForm
from core.exceptions import NotFound

AfterLogin = Callable[[HttpRequest, Any], None]


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    # What the shop does right after a storefront login, `after_login(request, user)`. Passed in
    # by the project's URLs (accounts.urls.account_urls): the guest-cart merge belongs to orders,
    # which sits above accounts.
    after_login: AfterLogin | None = None

    def form_valid(self, form):
        response = super().form_valid(form)  # logs the user in
        if self.after_login is not None:
            self.after_login(self.request, form.get_user())
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule): a link or an image tag must not log anyone out."""


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def register(request, after_login: AfterLogin | None = None):
    """Sign up and log in at once; `after_login` as for LoginView."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = form.save()
        except ValidationError:
            pass  # the form carries the field errors now
        else:
            # No e-mail verification in the embedded shop: the new user is logged in at once.
            login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
            if after_login is not None:
                after_login(request, user)
            messages.success(request, _("Welcome! Your account has been created."))
            return redirect(_safe_next(request) or reverse("accounts:profile"))
    return render(request, "accounts/register.html", {"form": form, "next": _safe_next(request)})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except ValidationError:
            pass
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def address_list(request):
    return render(
        request, "accounts/address_list.html", {"addresses": queries.address_list(request.user)}
    )


def _own_address(request, pk):
    address = queries.address_get(request.user, pk)
    if address is None:
        raise Http404
    return address


@login_required
def address_edit(request, pk=None):
    address = _own_address(request, pk) if pk is not None else None
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        form.save_for(request.user)
        messages.success(request, _("Address saved."))
        return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "address": address})


@login_required
@require_POST
def address_delete(request, pk):
    try:
        services.address_delete(request.user, address_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, _("Address deleted."))
    return redirect("accounts:addresses")


@login_required
@require_POST
def address_set_default(request, pk):
    try:
        services.address_set_default(request.user, address_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    messages.success(request, _("Default address changed."))
    return redirect("accounts:addresses")

"""Storefront pages of coupons: "my coupons" under the account, with claim buttons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import signed_in_user
from core.exceptions import DomainError
from promotions import queries, services
from promotions.models import CouponTemplate, UserCoupon

STATUS_FILTERS = tuple(UserCoupon.Status.values)


@login_required
@require_GET
def my_coupons(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    if status not in STATUS_FILTERS:
        status = ""
    context = {
        "coupons": list(queries.user_coupons(signed_in_user(request), status=status or None)),
        "available": list(queries.coupon_templates_claimable(request.user)),
        "status": status,
        "statuses": UserCoupon.Status.choices,
    }
    return render(request, "promotions/my_coupons.html", context)


@login_required
@require_POST
def coupon_claim(request: HttpRequest, pk: int) -> HttpResponse:
    template = CouponTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise Http404
    try:
        services.coupon_claim(signed_in_user(request), template=template)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(
            request,
            _("Coupon claimed: type %(code)s at checkout.") % {"code": template.code},
        )
    return redirect("promotions:my-coupons")

"""Storefront pages of after-sales: ask for a refund on an order, follow the request, send the
goods back, cancel. Thin: services decide, domain errors become messages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import signed_in_user
from aftersales import services
from aftersales.forms import RequestForm, ShipBackForm
from aftersales.models import AfterSalesRequest
from aftersales.queries import claimable_units, request_events, request_list
from core.exceptions import DomainError
from orders.models import Order


def _own(request: HttpRequest, pk: int) -> AfterSalesRequest:
    found = (
        request_list(signed_in_user(request)).filter(user=signed_in_user(request), pk=pk).first()
    )
    if found is None:
        raise Http404
    return found


@login_required
def request_list_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    items = request_list(user).filter(user=user)
    return render(request, "aftersales/list.html", {"items": items})


@login_required
def request_new(request: HttpRequest, order_number: str) -> HttpResponse:
    order = get_object_or_404(Order, number=order_number, user=request.user)
    left = claimable_units(order.pk)
    lines = [(line, left.get(line.pk, 0)) for line in order.lines.order_by("pk")]
    try:
        services.aftersales_order_check(order)
    except DomainError as exc:
        return render(
            request, "aftersales/new.html", {"form": None, "order": order, "refusal": exc.detail}
        )
    form = RequestForm(request.POST or None, request.FILES or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.aftersales_request_create(
                signed_in_user(request),
                order_number=order.number,
                kind=data["kind"],
                lines=data["lines"],
                reason=data["reason"],
                description=data["description"],
                photos=data["photos"] or [],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.detail))
        else:
            messages.success(request, _("Your request was sent."))
            return redirect("aftersales:detail", pk=created.pk)
    return render(request, "aftersales/new.html", {"form": form, "order": order})


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _own(request, pk)
    labels = dict(AfterSalesRequest.Status.choices)
    events = list(request_events(item))
    for event in events:
        event.label = labels.get(event.to_status, event.to_status)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "item": item,
        "events": events,
        "ship_form": ShipBackForm() if _can_ship_back(item) else None,
    }
    return render(request, "aftersales/detail.html", context)


def _can_ship_back(item: AfterSalesRequest) -> bool:
    return (
        item.kind == AfterSalesRequest.Kind.RETURN_AND_REFUND
        and item.status == AfterSalesRequest.Status.APPROVED
    )


@login_required
@require_POST
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    item = _own(request, pk)
    try:
        services.aftersales_request_cancel(item, actor=signed_in_user(request))
    except DomainError as exc:
        messages.error(request, str(exc.detail))
    else:
        messages.success(request, _("Your request was cancelled."))
    return redirect("aftersales:detail", pk=item.pk)


@login_required
def request_ship_back(request: HttpRequest, pk: int) -> HttpResponse:
    item = _own(request, pk)
    form = ShipBackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.aftersales_request_ship_back(
                item,
                actor=signed_in_user(request),
                **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error(None, str(exc.detail))
        else:
            messages.success(request, _("Thank you: we will tell you when the goods arrive."))
            return redirect("aftersales:detail", pk=item.pk)
    return render(request, "aftersales/ship_back.html", {"item": item, "form": form})

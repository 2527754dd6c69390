"""Storefront pages of the cart, checkout and orders: thin views over orders.services and
orders.queries (the same services and reads as the API), with Django sessions and CSRF.

Domain errors become flash messages or a message on the page, never a 500."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import queries as account_queries
from accounts.permissions import signed_in_user
from catalog.suggestions import suggestions_for_you
from core.exceptions import DomainError
from orders import services
from orders.cart_session import remember_cart_token, request_cart_token
from orders.exceptions import CartEmpty, IdempotencyKeyReused
from orders.forms import CartAddForm, CartQuantityForm, CheckoutAddressForm
from orders.models import Order, OrderEvent
from orders.queries import (
    CartView,
    cart_existing,
    cart_view,
    order_events,
    order_is_payable,
    order_list,
)

COUPON_SESSION_KEY = "cart_coupon"
ORDERS_PER_PAGE = 10
SUGGESTIONS_SHOWN = 4


def _error_text(exc: DomainError, view: CartView | None = None) -> str:
    """A domain error as the shopper reads it; short stock names the products, not only SKUs."""
    lines = exc.extra.get("lines") if exc.code == "insufficient_stock" else None
    if lines and view is not None:
        names = {
            line.item.variant_id: _line_name(line.item.variant.product.name, line.item.variant.name)
            for line in view.lines
        }
        parts = [
            _("%(name)s (requested %(requested)d, available %(available)d)")
            % {
                "name": names.get(row.get("variant_id"), row.get("sku", "")),
                "requested": row.get("requested", 0),
                "available": row.get("available", 0),
            }
            for row in lines
        ]
        return _("Not enough stock for: %(lines)s.") % {"lines": ", ".join(parts)}
    return str(exc.detail)


def _line_name(product: str, variant: str) -> str:
    return f"{product} – {variant}" if variant and variant != product else product


def _posted(request: HttpRequest, name: str, limit: int) -> str:
    """A typed text field as the services may store it: NUL bytes dropped (PostgreSQL refuses them
    in text columns; forms.CharField drops them the same way), trimmed and cut to `limit`."""
    return (request.POST.get(name) or "").replace("\x00", "").strip()[:limit]


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _request_cart(request: HttpRequest):
    return cart_existing(user=request.user, token=request_cart_token(request))


def _line_problem_text(problem: str | None, available: int) -> str:
    if problem == "inactive":
        return _("This product is no longer sold: please remove it.")
    if problem == "insufficient_stock":
        if available <= 0:
            return _("Out of stock: please remove it.")
        return _("Only %(n)d left: please lower the quantity.") % {"n": available}
    if problem == "amount_too_large":
        return _("This line is larger than one order can hold.")
    return ""


def _quote_of(request: HttpRequest, view: CartView, coupon_code: str) -> services.CheckoutQuote:
    return services.checkout_quote(
        request.user, items=[line.item for line in view.lines], coupon_code=coupon_code
    )


# --- Cart ---------------------------------------------------------------------------------------------


@require_GET
def cart_page(request: HttpRequest) -> HttpResponse:
    view = cart_view(_request_cart(request))
    coupon_code = request.session.get(COUPON_SESSION_KEY, "")
    quote = _quote_of(request, view, coupon_code)
    lines = [
        {
            "line": line,
            "name": _line_name(line.item.variant.product.name, line.item.variant.name),
            "problem_text": _line_problem_text(line.problem, line.available_quantity),
        }
        for line in view.lines
    ]
    in_cart = {line.item.variant.product_id for line in view.lines}
    user = request.user if request.user.is_authenticated else None
    suggested = [
        s.product
        for s in suggestions_for_you(user, limit=SUGGESTIONS_SHOWN + len(in_cart))
        if s.product.pk not in in_cart
    ][:SUGGESTIONS_SHOWN]
    context = {
        "view": view,
        "lines": lines,
        "quote": quote,
        "coupon_code": coupon_code,
        "suggested": suggested,
        "max_quantity": settings.CART_MAX_LINE_QUANTITY,
        "can_checkout": bool(view.lines)
        and view.problem is None
        and all(line.available for line in view.lines),
    }
    return render(request, "orders/cart.html", context)


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    """The product page's add-to-cart form: `variant_id`, `quantity`, optional `next`."""
    back = _safe_next(request) or reverse("orders:cart")
    form = CartAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a product variant and a quantity of at least 1."))
        return HttpResponseRedirect(back)
    try:
        # One transaction: a refused add must not leave a new empty guest cart behind.
        with transaction.atomic():
            cart = services.cart_get_or_create(user=request.user, token=request_cart_token(request))
            services.cart_item_add(cart, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return HttpResponseRedirect(back)
    if cart.user_id is None:
        remember_cart_token(request, cart.token)
    messages.success(request, _("Added to your cart."))
    return HttpResponseRedirect(back)


@require_POST
def cart_item_update(request: HttpRequest, item_id: int) -> HttpResponse:
    cart = _request_cart(request)
    form = CartQuantityForm(request.POST)
    if cart is None:
        messages.error(request, _("Your cart was replaced or expired meanwhile. Please try again."))
    elif not form.is_valid():
        messages.error(
            request,
            _("Quantity must be between 1 and %(max)d.") % {"max": settings.CART_MAX_LINE_QUANTITY},
        )
    else:
        try:
            services.cart_item_update(cart, item_id=item_id, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Quantity updated."))
    return redirect("orders:cart")


@require_POST
def cart_item_remove(request: HttpRequest, item_id: int) -> HttpResponse:
    cart = _request_cart(request)
    if cart is None:
        messages.error(request, _("Your cart was replaced or expired meanwhile. Please try again."))
        return redirect("orders:cart")
    try:
        services.cart_item_remove(cart, item_id=item_id)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Removed from your cart."))
    return redirect("orders:cart")


@require_POST
def cart_coupon(request: HttpRequest) -> HttpResponse:
    """Remember a coupon code for this cart (checkout applies it); an empty code or `remove`
    forgets it. A code that does not apply is said at once and not kept."""
    code = _posted(request, "coupon_code", 64)
    if not code or "remove" in request.POST:
        request.session.pop(COUPON_SESSION_KEY, None)
        messages.info(request, _("Coupon removed."))
        return redirect("orders:cart")
    if not request.user.is_authenticated:
        messages.error(request, _("Log in to use your coupons."))
        return redirect("orders:cart")
    quote = _quote_of(request, cart_view(_request_cart(request)), code)
    if quote.coupon_error is not None:
        messages.error(request, _error_text(quote.coupon_error))
        request.session.pop(COUPON_SESSION_KEY, None)
    else:
        request.session[COUPON_SESSION_KEY] = code
        messages.success(request, _("Coupon applied."))
    return redirect("orders:cart")


# --- Checkout -----------------------------------------------------------------------------------------


def _checkout_context(
    request: HttpRequest, view: CartView, *, coupon_code: str, key: str, **extra: Any
) -> dict[str, Any]:
    addresses = list(account_queries.address_list(signed_in_user(request)))
    default = next((a for a in addresses if a.is_default), addresses[0] if addresses else None)
    methods = services.payment_methods_enabled()
    return {
        "view": view,
        "lines": [
            {
                "line": line,
                "name": _line_name(line.item.variant.product.name, line.item.variant.name),
                "problem_text": _line_problem_text(line.problem, line.available_quantity),
            }
            for line in view.lines
        ],
        "quote": _quote_of(request, view, coupon_code),
        "coupon_code": coupon_code,
        "addresses": addresses,
        "chosen_address": request.POST.get("address_id") or (str(default.pk) if default else "new"),
        "address_form": extra.pop("address_form", None) or CheckoutAddressForm(),
        "payment_methods": methods,
        "chosen_method": request.POST.get("payment_method") or (methods[0] if methods else ""),
        "idempotency_key": key,
        **extra,
    }


@login_required
def checkout(request: HttpRequest) -> HttpResponse:
    """GET: the order to place with its totals. POST `action=apply`: the totals again with the
    typed coupon. POST (place): order_place with the form's idempotency key, so a double submit
    places one order, then the order page."""
    view = cart_view(_request_cart(request))
    placing = request.method == "POST" and request.POST.get("action") != "apply"
    # An empty cart may be a double submit of a placed order: order_place answers that one.
    if not view.lines and not placing:
        messages.info(request, _("Your cart is empty."))
        return redirect("orders:cart")
    if request.method != "POST":
        coupon_code = request.session.get(COUPON_SESSION_KEY, "")
        context = _checkout_context(request, view, coupon_code=coupon_code, key=uuid.uuid4().hex)
        return render(request, "orders/checkout.html", context)

    coupon_code = _posted(request, "coupon_code", 64)
    key = (request.POST.get("idempotency_key") or "").strip() or uuid.uuid4().hex
    if request.POST.get("action") == "apply":
        request.session[COUPON_SESSION_KEY] = coupon_code
        context = _checkout_context(request, view, coupon_code=coupon_code, key=key)
        return render(request, "orders/checkout.html", context)

    chosen = request.POST.get("address_id") or "new"
    address_form = CheckoutAddressForm(request.POST) if chosen == "new" else None
    address_id: int | None = None
    shipping_address: dict[str, Any] | None = None
    error = ""
    status = 400
    if address_form is not None:
        if address_form.is_valid():
            shipping_address = dict(address_form.cleaned_data)
        else:
            error = _("Please complete the shipping address.")
    elif chosen.isascii() and chosen.isdigit() and len(chosen) <= 19:
        # ASCII digits only: "²".isdigit() is true but int() refuses it; 19 digits hold any id.
        address_id = int(chosen)
    else:
        error = _("Choose a shipping address.")
    if not error:
        try:
            order = services.order_place(
                signed_in_user(request),
                cart=services.cart_get_or_create(user=request.user),
                address_id=address_id,
                shipping_address=shipping_address,
                coupon_code=coupon_code,
                payment_method=request.POST.get("payment_method") or "",
                notes=_posted(request, "notes", 500),
                idempotency_key=key,
            )
        except IdempotencyKeyReused as exc:
            # This form placed an order already; another one starts with a fresh form.
            number = exc.extra.get("order_number", "")
            messages.info(
                request, _("This form already placed order %(number)s.") % {"number": number}
            )
            return redirect("orders:detail", number=number)
        except CartEmpty as exc:
            messages.info(request, str(exc.detail))
            return redirect("orders:cart")
        except DomainError as exc:
            error = _error_text(exc, view)
            status = exc.status_code
            if exc.code == "idempotency_key_invalid":
                key = uuid.uuid4().hex  # the next submit of this page starts afresh
        else:
            request.session.pop(COUPON_SESSION_KEY, None)
            if getattr(order, "idempotent_replay", False):
                messages.info(request, _("Your order was already placed."))
            else:
                if address_form is not None and request.POST.get("save_address"):
                    address_form.save_for(signed_in_user(request))
                messages.success(request, _("Thank you! Your order has been placed."))
            return redirect("orders:detail", number=order.number)
    # The cart may have changed meanwhile (another tab): show it as it is now.
    view = cart_view(_request_cart(request))
    context = _checkout_context(
        request, view, coupon_code=coupon_code, key=key, error=error, address_form=address_form
    )
    return render(request, "orders/checkout.html", context, status=status)


# --- Orders -------------------------------------------------------------------------------------------


def _own_order(request: HttpRequest, number: str) -> Order:
    """The signed-in shopper's own order by number; anyone else's is 404 (staff included)."""
    user = signed_in_user(request)
    order = order_list(user).filter(user=user, number=number).first()
    if order is None:
        raise Http404
    return order


@login_required
@require_GET
def order_list_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    orders = order_list(user).filter(user=user).order_by("-created_at", "-pk")
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orders/order_list.html", {"page": page, "orders": page.object_list})


def _event_label(event: OrderEvent) -> str:
    choices: Any = Order.PaymentStatus if event.kind == OrderEvent.Kind.PAYMENT else Order.Status
    if event.to_status == "refund_due":
        return _("Refund due")
    try:
        to_label = str(choices(event.to_status).label)
    except ValueError:
        to_label = event.to_status
    if event.kind == OrderEvent.Kind.PAYMENT:
        return _("Payment: %(status)s") % {"status": to_label}
    return to_label


@login_required
@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = _own_order(request, number)
    events = [{"event": e, "label": _event_label(e)} for e in order_events(order)]
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "shipments": list(order.shipments.all()),
        "events": events,
        "address": order.shipping_address or {},
        "can_cancel": Order.Status.CANCELLED in services.TRANSITIONS[order.status],
        "can_pay": order_is_payable(order),
        "can_confirm": order.status == Order.Status.SHIPPED,
        "payment_methods": services.payment_methods_enabled(),
    }
    return render(request, "orders/order_detail.html", context)


@login_required
@require_POST
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    order = _own_order(request, number)
    try:
        services.order_cancel(
            order, actor=signed_in_user(request), reason=_("Cancelled by the buyer.")
        )
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Your order has been cancelled."))
    return redirect("orders:detail", number=order.number)


@login_required
@require_POST
def order_confirm_receipt(request: HttpRequest, number: str) -> HttpResponse:
    order = _own_order(request, number)
    try:
        services.order_deliver(order, actor=signed_in_user(request))
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Thank you for confirming receipt."))
    return redirect("orders:detail", number=order.number)

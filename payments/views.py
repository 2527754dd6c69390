"""Pages of payments: the sandbox gateway's pay page (the provider's page, played on our site),
and the shopper's pay flow: starting a payment from the order page, the WeChat QR page, and the
return page the gateways send the buyer back to."""

from __future__ import annotations

import io
import json

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import signed_in_user
from core.exceptions import DomainError
from orders.models import Order
from orders.queries import order_list
from payments.gateways import enabled_gateways, gateway_get
from payments.gateways.sandbox import SandboxGateway
from payments.models import Payment, SandboxTrade
from payments.queries import payment_list
from payments.services import payment_create, payment_notify_handle


def _sandbox() -> SandboxGateway:
    try:
        gateway = gateway_get("sandbox")
    except DomainError:
        raise Http404 from None
    assert isinstance(gateway, SandboxGateway)
    return gateway


@require_http_methods(["GET", "POST"])
def sandbox_page(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    """GET: the trade and two buttons. POST (CSRF-protected): "pay" or "fail" settles the trade at
    the sandbox and sends its signed callback through payment_notify_handle, which verifies the
    signature like any provider's notify; then back to the shop (return_url) or a result page."""
    gateway = _sandbox()
    trade = SandboxTrade.objects.filter(out_trade_no=out_trade_no).first()
    if trade is None:
        raise Http404
    accepted = None
    if request.method == "POST":
        callback = gateway.press(out_trade_no, pay=request.POST.get("action") == "pay")
        if callback is not None:
            reply = payment_notify_handle("sandbox", callback)
            accepted = json.loads(reply.content).get("code") == "SUCCESS"
        trade.refresh_from_db()
        back = trade.return_url
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(back)
    return TemplateResponse(
        request, "payments/sandbox.html", {"trade": trade, "accepted": accepted}
    )


# --- The shopper's pay flow (the pages' side of POST /api/v1/orders/{number}/pay/) -----------------

# The channel each gateway uses from a web page: a redirect to the provider's page, or for WeChat
# the Native QR code drawn on our page (the buyer scans it with the phone).
PAGE_CHANNELS = {"sandbox": "page", "alipay": "page", "wechat": "native"}


def _own_order(request: HttpRequest, number: str) -> Order:
    user = signed_in_user(request)
    order = order_list(user).filter(user=user, number=number).first()
    if order is None:
        raise Http404
    return order


def _own_payment(request: HttpRequest, pk: int) -> Payment:
    user = signed_in_user(request)
    payment = payment_list(user).filter(pk=pk, order__user=user).first()
    if payment is None:
        raise Http404
    return payment


@login_required
@require_POST
def order_pay(request: HttpRequest, number: str) -> HttpResponse:
    """Start paying a pending order with the chosen `payment_method` (payment_create, as the API
    does), then on to the provider: the sandbox page, Alipay's page, or our WeChat QR page."""
    order = _own_order(request, number)
    gateway = request.POST.get("payment_method") or order.payment_method
    back = reverse("orders:detail", args=[order.number])
    if gateway not in enabled_gateways():
        messages.error(request, _("This payment method is not available."))
        return redirect(back)
    return_url = request.build_absolute_uri(reverse("payments:order-return", args=[order.number]))
    try:
        start = payment_create(
            order,
            gateway=gateway,
            channel=PAGE_CHANNELS.get(gateway, ""),
            actor=signed_in_user(request),
            return_url=return_url,
            client_ip=request.META.get("REMOTE_ADDR", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return redirect(back)
    payment = start.payment
    if gateway == "sandbox":
        # Our own page, whatever SITE_URL says (the sandbox's pay_url is built on it).
        return redirect("payments:sandbox", out_trade_no=payment.out_trade_no)
    if start.client.get("code_url"):
        return redirect("payments:qr", pk=payment.pk)
    pay_url = start.client.get("pay_url")
    if pay_url:
        return HttpResponseRedirect(pay_url)
    messages.error(request, _("This payment method cannot be used from a web page."))
    return redirect(back)


def _status_context(payment: Payment) -> dict[str, object]:
    return {
        "payment": payment,
        "order": payment.order,
        "open": payment.status in Payment.OPEN,
        "poll_url": reverse("api:payment-detail", args=[payment.pk]),
        "done_url": reverse("orders:detail", args=[payment.order.number]),
    }


@login_required
@require_GET
def order_pay_return(request: HttpRequest, number: str) -> HttpResponse:
    """Where a gateway sends the buyer back: the real status of the order's latest payment. Paid:
    on to the order page. Still open: this page polls GET /api/v1/payments/{id}/ until it settles
    (static/js/payment-status.js), with a plain refresh link without JavaScript."""
    order = _own_order(request, number)
    payment = payment_list(signed_in_user(request)).filter(order=order).order_by("-pk").first()
    if payment is None:
        return redirect("orders:detail", number=order.number)
    if payment.status not in Payment.OPEN and payment.status != Payment.Status.FAILED:
        detail = reverse("orders:detail", args=[order.number])
        if payment.status != Payment.Status.SUCCEEDED:
            return redirect(detail)  # closed (replaced by another payment), or refunded since
        messages.success(request, _("Thank you! Your payment was received."))
        return redirect(detail + "?paid=1")
    return TemplateResponse(request, "payments/return.html", _status_context(payment))


@login_required
@require_GET
def payment_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """A WeChat Native (or Alipay QR) payment: its code_url as a QR code drawn here, as inline
    SVG made on the server (segno); no external service sees the URL."""
    payment = _own_payment(request, pk)
    code_url = ((payment.raw or {}).get("client") or {}).get("code_url")
    if not code_url or payment.status not in Payment.OPEN:
        return redirect("payments:order-return", number=payment.order.number)
    buffer = io.BytesIO()
    segno.make(code_url, error="m").save(
        buffer, kind="svg", xmldecl=False, svgns=True, scale=6, border=2, svgclass="qr-code"
    )
    svg = buffer.getvalue().decode()
    context = {
        **_status_context(payment),
        "qr_svg": mark_safe(svg),
    }  # segno escapes nothing of ours: its own SVG
    return TemplateResponse(request, "payments/qr.html", context)

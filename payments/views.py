"""Pages of payments: the sandbox gateway's pay page (the provider's page, played on our site)."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from core.exceptions import DomainError
from payments.gateways import gateway_get
from payments.gateways.sandbox import SandboxGateway
from payments.models import SandboxTrade
from payments.services import payment_notify_handle


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

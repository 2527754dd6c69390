"""The buyer's e-mails about an order. Rendered from translatable templates in the shop's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from orders.models import Order

KINDS = ("placed", "paid", "shipped", "cancelled")


def order_email_send(order: Order, kind: str) -> bool:
    if kind not in KINDS or not order.user.email:
        return False
    context = {
        "order": order,
        "user": order.user,
        "lines": list(order.lines.all()),
        "shipment": order.shipments.order_by("-created_at").first(),
        "site_url": settings.SITE_URL,
        "shop_name": settings.SHOP_NAME,
        "currency": settings.SHOP_CURRENCY_SYMBOL,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject: str = render_to_string(f"orders/email/{kind}_subject.txt", context)
        body = render_to_string(f"orders/email/{kind}.txt", context)
    subject = " ".join(subject.split())
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [order.user.email])
    return True

"""Mail to the customer about their after-sales request: one per event, sent at most once."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from aftersales.models import AfterSalesEvent


def aftersales_event_email(event_id: int) -> bool:
    """The event row is locked while the mail goes out, and stamped once it left: a retried or
    concurrent run sends nothing more. Returns whether a mail was sent now."""
    with transaction.atomic():
        event = (
            AfterSalesEvent.objects.select_for_update(of=("self",))
            .select_related("request__user", "request__order")
            .filter(pk=event_id)
            .first()
        )
        if event is None or event.emailed_at is not None:
            return False
        request = event.request
        if not request.user.email:
            return False
        context = {
            "event": event,
            "request": request,
            "order": request.order,
            "user": request.user,
            "site_url": settings.SITE_URL,
            "shop_name": settings.SHOP_NAME,
        }
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string("aftersales/email/status_subject.txt", context)
            body = render_to_string("aftersales/email/status.txt", context)
        send_mail(
            " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [request.user.email]
        )
        event.emailed_at = timezone.now()
        event.save(update_fields=["emailed_at"])
    return True

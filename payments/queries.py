"""Reads of payments."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from accounts.permissions import is_staff_user
from payments.models import Payment, PaymentNotification, Refund

if TYPE_CHECKING:
    from accounts.models import User


def payment_list(user: User) -> QuerySet[Payment]:
    """The payments a user may see: their own orders' (staff: all), with the order's number and
    the refunded sum in the same query."""
    payments = Payment.objects.select_related("order").annotate(
        refunded_sum=Coalesce(
            Sum("refunds__amount", filter=Q(refunds__status=Refund.Status.SUCCEEDED)),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        )
    )
    if is_staff_user(user):
        return payments
    return payments.filter(order__user=user)


# Notify outcomes that a person should look at: a notify we could not believe or could not handle.
NOTIFY_PROBLEM_OUTCOMES = ("rejected", "error", "gateway_unavailable")


@dataclass(frozen=True)
class PaymentProblems:
    """What the back office's dashboard lists: flagged payments, failed refunds, bad notifies."""

    flagged: list[Payment]
    failed_refunds: list[Refund]
    bad_notifications: list[PaymentNotification]


def payment_problems(*, limit: int = 5) -> PaymentProblems:
    """The latest `limit` of each kind of payment problem, three queries whatever the table sizes
    (each reads an index: attention, status, created_at). Read-only records: safe to show to
    merchants, who may view payments."""
    flagged = list(
        Payment.objects.filter(attention__gt="")
        .select_related("order")
        .order_by("-updated_at", "-pk")[:limit]
    )
    failed_refunds = list(
        Refund.objects.filter(status=Refund.Status.FAILED)
        .select_related("payment__order")
        .order_by("-created_at", "-pk")[:limit]
    )
    bad_notifications = list(
        PaymentNotification.objects.filter(outcome__in=NOTIFY_PROBLEM_OUTCOMES)
        .defer("body", "headers")
        .order_by("-created_at", "-pk")[:limit]
    )
    return PaymentProblems(flagged, failed_refunds, bad_notifications)

"""Reads of payments."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from accounts.permissions import is_staff_user
from payments.models import Payment, Refund

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

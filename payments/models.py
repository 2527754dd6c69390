"""Payments, refunds and every notify a gateway sent us.

A Payment is one attempt to pay one order through one gateway (our `out_trade_no` toward it). Its
history is its PaymentEvent rows (every status change, with why), the PaymentNotification rows
that carried the gateway's word, and, when the order changed, the order's own OrderEvent rows.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# WeChat's alphabet for out_trade_no / out_refund_no (Alipay allows more): 6 to 32 characters.
OUT_TRADE_NO_RE = r"^[A-Za-z0-9_\-|*]{6,32}$"
out_trade_no_validator = RegexValidator(OUT_TRADE_NO_RE)

# The largest notify body kept on a PaymentNotification. Real notifies are 1-3 kB; anything bigger
# is not a real notify, and an unauthenticated endpoint must not let anyone fill the database.
NOTIFY_BODY_MAX_CHARS = 64 * 1024


class Payment(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        PENDING = "pending", _("Awaiting the payer")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CLOSED = "closed", _("Closed")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        REFUNDED = "refunded", _("Refunded")

    class Attention(models.TextChoices):
        NONE = "", _("None")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amount does not match")
        LATE = "late_payment", _("Paid after the order was closed")
        REFUND_FAILED = "refund_failed", _("Automatic refund failed")

    OPEN = (Status.CREATED, Status.PENDING)
    PAID = (Status.SUCCEEDED, Status.PARTIALLY_REFUNDED, Status.REFUNDED)

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="payments", verbose_name=_("order")
    )
    gateway = models.CharField(_("gateway"), max_length=16)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CREATED, db_index=True
    )
    out_trade_no = models.CharField(
        _("out trade no"), max_length=32, unique=True, validators=[out_trade_no_validator]
    )
    transaction_id = models.CharField(_("gateway transaction id"), max_length=64, blank=True)
    # True once this payment paid the order (order_mark_paid accepted it). A payment that arrived
    # for a cancelled order, or a second payment of a paid order, stays False: its refund gives
    # money back without touching the order's own refunded amount.
    applied = models.BooleanField(_("paid the order"), default=False)
    attention = models.CharField(
        _("needs attention"), max_length=20, choices=Attention.choices, blank=True, db_index=True
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    raw = models.JSONField(_("gateway answers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_payment_amount_gt_0"),
            models.UniqueConstraint(
                fields=["gateway", "transaction_id"],
                condition=~Q(transaction_id=""),
                name="payments_payment_transaction_id_per_gateway",
            ),
        ]

    def __str__(self) -> str:
        return self.out_trade_no


class PaymentEvent(models.Model):
    """One row per status change of a payment (or a flag for staff). Never edited."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    out_request_no = models.CharField(
        _("out request no"), max_length=32, unique=True, validators=[out_trade_no_validator]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    gateway_refund_id = models.CharField(_("gateway refund id"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    raw = models.JSONField(_("gateway answers"), default=dict, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return self.out_request_no


class PaymentNotification(models.Model):
    """Every notify received, verified or not, stored before anything in it is believed."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")

    gateway = models.CharField(_("gateway"), max_length=16)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PAYMENT)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.TextField(_("body"), blank=True)  # at most NOTIFY_BODY_MAX_CHARS
    body_truncated = models.BooleanField(_("body truncated"), default=False)
    verified = models.BooleanField(_("verified"), default=False)
    outcome = models.CharField(_("outcome"), max_length=32, blank=True, db_index=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    out_trade_no = models.CharField(_("out trade no"), max_length=64, blank=True, db_index=True)
    payment = models.ForeignKey(
        Payment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("payment"),
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.gateway} {self.kind} {self.outcome}"


class SandboxTrade(models.Model):
    """The sandbox gateway's own books (the provider's side of a sandbox payment): what a real
    provider would know, kept apart from our Payment rows so query() answers what the provider
    knows, not what we believe."""

    class State(models.TextChoices):
        NOTPAY = "NOTPAY", "NOTPAY"
        SUCCESS = "SUCCESS", "SUCCESS"
        FAILED = "FAILED", "FAILED"
        CLOSED = "CLOSED", "CLOSED"

    out_trade_no = models.CharField(max_length=32, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    subject = models.CharField(max_length=200, blank=True)
    return_url = models.CharField(max_length=500, blank=True)
    notify_url = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.NOTPAY)
    transaction_id = models.CharField(max_length=64, blank=True)
    refunded = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox trade")
        verbose_name_plural = _("sandbox trades")

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.state}"

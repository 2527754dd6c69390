"""After-sales: a shopper's request to get money back for lines of a paid order (refund only, or
return and refund), its lines, photos and history.

Status, amounts and the refund link are written only by aftersales.services under the order's and
the request's row locks (aftersales.locks)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")


class AfterSalesRequest(models.Model):
    class Kind(models.TextChoices):
        REFUND_ONLY = "refund_only", _("Refund only")
        RETURN_AND_REFUND = "return_and_refund", _("Return and refund")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        RETURNED = "returned", _("Sent back")
        RECEIVED = "received", _("Received")
        REFUNDED = "refunded", _("Refunded")
        CLOSED = "closed", _("Closed")

    class Reason(models.TextChoices):
        DAMAGED = "damaged", _("Damaged")
        WRONG_ITEM = "wrong_item", _("Wrong item")
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
        NOT_RECEIVED = "not_received", _("Not received")
        SIZE_OR_FIT = "size_or_fit", _("Size or fit")
        CHANGED_MIND = "changed_mind", _("Changed my mind")
        OTHER = "other", _("Other")

    # Statuses in which a request still holds its lines (one open request per order line).
    OPEN = ("requested", "approved", "returned", "received")
    # Statuses whose lines count as given back (or on their way): open ones and refunded ones.
    CLAIMING = (*OPEN, "refunded")

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        related_name="after_sales_requests",
        verbose_name=_("order"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="after_sales_requests",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.REQUESTED,
        db_index=True,
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    refund_amount = models.DecimalField(_("refund amount"), max_digits=12, decimal_places=2)
    shipping_refund = models.DecimalField(
        _("of which shipping"), max_digits=12, decimal_places=2, default=ZERO
    )
    return_carrier = models.CharField(_("return carrier"), max_length=64, blank=True)
    return_tracking_number = models.CharField(
        _("return tracking number"), max_length=64, blank=True
    )
    # The gateway refund that pays this request back (payments), once asked for.
    refund = models.ForeignKey(
        "payments.Refund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gateway refund"),
    )
    # Set while a refund is being asked for at the gateway (between the two transactions).
    refund_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("sent back at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_amount__gte=0) & Q(shipping_refund__gte=0),
                name="aftersales_request_amounts_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class AfterSalesLine(models.Model):
    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.PROTECT,
        related_name="after_sales_lines",
        verbose_name=_("order line"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    refund_amount = models.DecimalField(_("refund amount"), max_digits=12, decimal_places=2)
    # Staff's choice when the goods came back: put them back on the shelf, or write them off.
    restock = models.BooleanField(_("restock"), null=True, blank=True)
    # True while the request is open: the database keeps one open request per order line.
    is_open = models.BooleanField(default=True, editable=False)

    class Meta:
        verbose_name = _("after-sales line")
        verbose_name_plural = _("after-sales lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_line"],
                condition=Q(is_open=True),
                name="aftersales_one_open_request_per_line",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="aftersales_line_qty_gte_1"),
            models.CheckConstraint(
                condition=Q(refund_amount__gte=0), name="aftersales_line_amount_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"


class AfterSalesEvent(models.Model):
    """The request's history: one row per status change, with who acted and why. Never edited."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    # When the customer's mail about this change went out (at most once per event).
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("after-sales event")
        verbose_name_plural = _("after-sales events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class AfterSalesPhoto(models.Model):
    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="aftersales/%Y/%m/")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("after-sales photo")
        verbose_name_plural = _("after-sales photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name or ""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")


class Cart(models.Model):
    """A guest cart (found by `token`) or a user's one cart."""

    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cart",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self) -> str:
        return str(self.token)


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="cart_items"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cart item")
        verbose_name_plural = _("cart items")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="orders_cartitem_unique_line"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orders_cartitem_qty_gte_1"),
        ]


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PROCESSING = "processing", _("Paid, processing")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    class PaymentStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        REFUNDED = "refunded", _("Refunded")

    # Date + random: unique, short enough for a phone call, not guessable and not sequential.
    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("user"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    payment_status = models.CharField(
        _("payment status"),
        max_length=20,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PENDING,
        db_index=True,
    )
    payment_method = models.CharField(_("payment method"), max_length=16)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    subtotal = models.DecimalField(_("subtotal"), max_digits=12, decimal_places=2)
    discount_amount = models.DecimalField(
        _("discount"), max_digits=12, decimal_places=2, default=ZERO
    )
    tax_amount = models.DecimalField(_("tax"), max_digits=12, decimal_places=2, default=ZERO)
    shipping_amount = models.DecimalField(
        _("shipping"), max_digits=12, decimal_places=2, default=ZERO
    )
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    refunded_amount = models.DecimalField(
        _("refunded"), max_digits=12, decimal_places=2, default=ZERO
    )
    coupon_code = models.CharField(_("coupon code"), max_length=64, blank=True)
    shipping_address = models.JSONField(_("shipping address"))
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=128, null=True, blank=True, editable=False)
    # sha256 of the checkout body that came with the key: a reused key with another body is refused.
    idempotency_fingerprint = models.CharField(
        max_length=64, blank=True, default="", editable=False
    )
    expires_at = models.DateTimeField(_("payment due by"), null=True, blank=True, db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        # Staff hold it through their group; a merchant only when given it one by one
        # (accounts.roles). Checked by orders.permissions.user_may_refund.
        permissions = [("can_refund", _("Can refund orders through the payment gateway"))]
        indexes = [
            # The back office's statistics read a range of days: the index holds every column they
            # add up, so PostgreSQL answers from it alone (benchmarks/dashboard.py).
            models.Index(
                fields=["created_at", "status", "payment_status", "total", "refunded_amount"],
                name="orders_order_stats_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="orders_order_idempotency_key_per_user",
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0)
                & Q(discount_amount__gte=0)
                & Q(tax_amount__gte=0)
                & Q(shipping_amount__gte=0)
                & Q(total__gte=0)
                & Q(refunded_amount__gte=0),
                name="orders_order_amounts_gte_0",
            ),
        ]

    # Not a column: order_place sets it, True when it answered with the order an earlier request
    # with the same idempotency key placed.
    idempotent_replay: bool = False

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """A line as it was bought: names, SKU and price are snapshots, safe from later catalogue edits."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.ProductVariant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
    )
    product_name = models.CharField(_("product"), max_length=200)
    variant_name = models.CharField(_("variant"), max_length=200, blank=True)
    sku = models.CharField(_("SKU"), max_length=64)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        indexes = [
            # Best sellers of a range of orders: read from the index, per order (dashboard).
            models.Index(
                fields=["order", "product", "quantity", "line_total"],
                name="orders_line_sales_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orders_line_qty_gte_1"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(line_total__gte=0),
                name="orders_line_amounts_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderEvent(models.Model):
    """The order's history: one row per status or payment-status change. Never edited."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status")
        PAYMENT = "payment", _("Payment status")
        NOTE = "note", _("Note")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.STATUS)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)
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

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "id"]


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(_("carrier"), max_length=64)
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("shipped at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["created_at"]


class OrderNotification(models.Model):
    """One row per mail about an order (placed, paid, ...), so a retried task does not mail twice.

    `sent_at` is set only once the mail went out: a row without it is a send that failed or is
    under way, and the next attempt sends it.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=16)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order notification")
        verbose_name_plural = _("order notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"], name="orders_notification_once_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"

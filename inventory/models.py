from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def default_low_stock_threshold() -> int:
    return int(settings.INVENTORY_LOW_STOCK_THRESHOLD)


class Warehouse(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Allocation takes from lower numbers first.
    priority = models.PositiveIntegerField(_("priority"), default=100)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Stock(models.Model):
    """On-hand and allocated units of one variant in one warehouse. available = quantity - allocated.

    Only inventory.services change these numbers, so every change of `quantity` has a ledger row.
    """

    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="stocks"
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stocks")
    quantity = models.PositiveIntegerField(_("on hand"), default=0, editable=False)
    quantity_allocated = models.PositiveIntegerField(_("allocated"), default=0, editable=False)
    low_stock_threshold = models.PositiveIntegerField(
        _("low-stock threshold"), default=default_low_stock_threshold
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["variant_id", "warehouse__priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "warehouse"], name="inventory_stock_variant_warehouse"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="inventory_stock_qty_gte_0"),
            models.CheckConstraint(
                condition=Q(quantity_allocated__gte=0) & Q(quantity_allocated__lte=F("quantity")),
                name="inventory_stock_allocated_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.warehouse_id}: {self.quantity}/{self.quantity_allocated}"

    @property
    def available(self) -> int:
        return self.quantity - self.quantity_allocated


class Allocation(models.Model):
    """Units of one stock row held for one order line, so release and shipment know where to act.

    Open while `quantity > 0`; release and shipment set it to 0 (the row stays as history).
    """

    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.CASCADE, related_name="allocations"
    )
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField(_("quantity"))
    quantity_original = models.PositiveIntegerField(_("allocated"), editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.UniqueConstraint(
                fields=["order_line", "stock"], name="inventory_allocation_line_stock"
            ),
        ]


class StockMovement(models.Model):
    """The ledger: one row per change of a stock row's `quantity`. Rows are never edited or deleted."""

    class Reason(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        SALE = "sale", _("Sale")
        ADJUSTMENT = "adjustment", _("Adjustment")
        RETURN = "return", _("Return")
        DAMAGE = "damage", _("Damage")

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="movements")
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices, db_index=True)
    delta = models.IntegerField(_("change"))
    quantity_before = models.PositiveIntegerField(_("before"))
    quantity_after = models.PositiveIntegerField(_("after"))
    reference = models.CharField(_("reference"), max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_after=F("quantity_before") + F("delta")),
                name="inventory_movement_balances",
            ),
        ]


class StockAlert(models.Model):
    class Level(models.TextChoices):
        LOW = "low", _("Low")
        OUT = "out", _("Out of stock")

    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="alerts")
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Set when the staff digest mail included this alert, so it is mailed once.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock alert")
        verbose_name_plural = _("stock alerts")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["stock"],
                condition=Q(resolved_at__isnull=True),
                name="inventory_alert_one_open_per_stock",
            ),
        ]

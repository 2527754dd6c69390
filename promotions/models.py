from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CouponTemplate(models.Model):
    """What a coupon is worth and who may have it. Shoppers claim `UserCoupon`s from it."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed amount")
        PERCENT = "percent", _("Percent off")

    name = models.CharField(_("name"), max_length=100)
    # The code a shopper types at checkout; it applies one of their unused coupons of this template.
    code = models.CharField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    max_discount = models.DecimalField(
        _("maximum discount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    min_spend = models.DecimalField(_("minimum spend"), max_digits=12, decimal_places=2, default=0)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"))
    total_quantity = models.PositiveIntegerField(_("total quantity"))
    claimed_count = models.PositiveIntegerField(_("claimed"), default=0, editable=False)
    per_user_limit = models.PositiveIntegerField(_("per-user limit"), default=1)
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coupon_templates",
        verbose_name=_("only for category"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("coupon template")
        verbose_name_plural = _("coupon templates")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="promotions_tpl_value_gt_0"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100),
                name="promotions_tpl_percent_lte_100",
                violation_error_message=_("A percentage cannot be more than 100."),
            ),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="promotions_tpl_min_gte_0"),
            models.CheckConstraint(
                condition=Q(claimed_count__lte=models.F("total_quantity")),
                name="promotions_tpl_claimed_lte_total",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__gt=models.F("valid_from")),
                name="promotions_tpl_valid_range",
                violation_error_message=_("The end must be after the start."),
            ),
            # Shoppers type codes in any case and coupon_quote matches them case-insensitively,
            # so "SAVE10" and "save10" must not be two templates.
            models.UniqueConstraint(
                Lower("code"),
                name="promotions_tpl_code_ci_unique",
                violation_error_message=_("Another coupon template has this code."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        # claimed_count is not a form field, so model validation skips the constraint that
        # involves it; without this check lowering the quantity in the admin would be a 500.
        if self.total_quantity is not None and self.total_quantity < self.claimed_count:
            raise ValidationError(
                {
                    "total_quantity": _(
                        "%(claimed)d coupons have already been claimed; the total cannot be lower."
                    )
                    % {"claimed": self.claimed_count}
                }
            )


class UserCoupon(models.Model):
    class Status(models.TextChoices):
        UNUSED = "unused", _("Unused")
        USED = "used", _("Used")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coupons"
    )
    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="issued")
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.UNUSED, db_index=True
    )
    claimed_at = models.DateTimeField(_("claimed at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coupons",
        verbose_name=_("used by order"),
    )

    class Meta:
        verbose_name = _("user coupon")
        verbose_name_plural = _("user coupons")
        ordering = ["-claimed_at"]
        indexes = [models.Index(fields=["user", "template"], name="promotions_uc_user_tpl")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="used") | Q(used_at__isnull=False),
                name="promotions_uc_used_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.code} / {self.user}"

    @property
    def current_status(self) -> str:
        """The status a shopper should see: an unused coupon whose template ended is expired even
        before the hourly Beat task has written it (promotions.queries filters the same way)."""
        if self.status == self.Status.UNUSED and self.template.valid_to <= timezone.now():
            return self.Status.EXPIRED
        return self.status

"""Payments in the admin: read-only records (merchants may view them); refunds (staff, or whoever
holds `orders.can_refund`) go through payments.services.refund_create, never an edit of a row."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.exceptions import DomainError
from orders.admin import OrderAdmin
from orders.models import Order
from orders.permissions import user_may_refund
from payments.models import Payment, PaymentEvent, PaymentNotification, Refund
from payments.services import refund_create


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = readonly_fields = (
        "out_request_no",
        "amount",
        "status",
        "reason",
        "actor",
        "created_at",
        "settled_at",
    )


class PaymentEventInline(ReadOnlyInline):
    model = PaymentEvent
    fields = readonly_fields = ("created_at", "from_status", "to_status", "note")
    show_change_link = False


class PaymentNotificationInline(ReadOnlyInline):
    model = PaymentNotification
    fields = readonly_fields = ("created_at", "kind", "verified", "outcome", "error")
    show_change_link = True


class OrderPaymentInline(ReadOnlyInline):
    """An order's payments, read-only, with their refunds (payments sits above orders: this
    re-registers the order admin with it, as inventory does for the variant admin)."""

    model = Payment
    fields = readonly_fields = (
        "out_trade_no",
        "gateway",
        "channel",
        "amount",
        "status",
        "attention",
        "paid_at",
        "refund_list",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("refunds")

    @admin.display(description=_("refunds"))
    def refund_list(self, obj):
        refunds = list(obj.refunds.all())
        if not refunds:
            return "-"
        return format_html_join(
            mark_safe("<br>"),
            "{} {} {} {}",
            ((r.out_request_no, r.amount, r.get_status_display(), r.reason) for r in refunds),
        )


class OrderWithPaymentsAdmin(OrderAdmin):
    inlines = [*OrderAdmin.inlines, OrderPaymentInline]


admin.site.unregister(Order)
admin.site.register(Order, OrderWithPaymentsAdmin)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "out_trade_no",
        "order",
        "gateway",
        "channel",
        "amount",
        "status",
        "attention",
        "paid_at",
        "created_at",
    ]
    list_filter = ["status", "gateway", "attention"]
    search_fields = ["out_trade_no", "transaction_id", "order__number"]
    list_select_related = ["order"]
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [RefundInline, PaymentEventInline, PaymentNotificationInline]
    actions = ["refund_in_full"]

    def has_refund_permission(self, request):
        # Money leaves the shop: staff, or a merchant given `orders.can_refund` (accounts.roles).
        return user_may_refund(request.user)

    @admin.action(description=_("Refund what is left of selected payments"), permissions=["refund"])
    def refund_in_full(self, request, queryset):
        done = 0
        for payment in queryset.order_by("pk"):
            left = payment.amount - sum(
                r.amount for r in payment.refunds.exclude(status=Refund.Status.FAILED)
            )
            try:
                refund_create(payment, amount=left, reason="admin", actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{payment.out_trade_no}: {exc.detail}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d refund sent.", "%(count)d refunds sent.", done)
                % {"count": done},
                messages.SUCCESS,
            )


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["out_request_no", "payment", "amount", "status", "actor", "created_at"]
    list_filter = ["status"]
    search_fields = ["out_request_no", "gateway_refund_id", "payment__out_trade_no"]
    list_select_related = ["payment", "actor"]
    readonly_fields = [f.name for f in Refund._meta.fields]


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(ReadOnlyAdmin):
    """Every notify received, with whether its signature was verified and what came of it."""

    list_display = [
        "created_at",
        "gateway",
        "kind",
        "verification",
        "outcome",
        "error",
        "out_trade_no",
        "payment",
    ]
    list_filter = ["gateway", "kind", "verified", "outcome"]
    search_fields = ["out_trade_no", "payment__order__number"]
    list_select_related = ["payment"]
    readonly_fields = [f.name for f in PaymentNotification._meta.fields]
    date_hierarchy = "created_at"

    @admin.display(description=_("verified"), ordering="verified", boolean=False)
    def verification(self, obj):
        if obj.verified:
            return format_html('<span style="color:#1a7f37">&#10004; {}</span>', _("verified"))
        return format_html('<strong style="color:#b42318">&#10008; {}</strong>', _("not verified"))

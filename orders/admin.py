"""Orders in the admin: read-only records, changed only through the services (actions)."""

import csv
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import EditedFieldsAdminMixin, bad_filter_redirect
from core.exceptions import DomainError
from core.spreadsheets import cell_neutralise
from orders import services
from orders.models import Cart, CartItem, Order, OrderEvent, OrderLine, Shipment
from orders.permissions import user_may_refund


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(_ReadOnlyInline):
    model = OrderLine
    # Tuples (here and below): the stubs type `fields` wider than `readonly_fields`; tuples fit both.
    readonly_fields = (
        "product_name",
        "variant_name",
        "sku",
        "unit_price",
        "quantity",
        "line_total",
    )
    fields = readonly_fields


class OrderEventInline(_ReadOnlyInline):
    model = OrderEvent
    readonly_fields = ("created_at", "kind", "from_status", "to_status", "actor", "note")
    fields = readonly_fields


class ShipmentInline(_ReadOnlyInline):
    model = Shipment
    readonly_fields = ("carrier", "tracking_number", "shipped_by", "created_at")
    fields = readonly_fields


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("carrier"), max_length=64)
    tracking_number = forms.CharField(label=_("tracking number"), max_length=64)


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("amount"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Leave empty to refund what is left of each order."),
    )
    reason = forms.CharField(label=_("reason"), max_length=200)


CSV_FIELDS = [
    "number",
    "created_at",
    "user",
    "status",
    "payment_status",
    "payment_method",
    "subtotal",
    "discount_amount",
    "tax_amount",
    "shipping_amount",
    "total",
    "refunded_amount",
    "coupon_code",
    "full_name",
    "phone",
    "address",
]


@admin.register(Order)
class OrderAdmin(EditedFieldsAdminMixin, admin.ModelAdmin):
    """Saving the change form writes the notes only: status, payment and dates belong to the
    services, which may have committed since the form was read."""

    list_display = [
        "number",
        "user",
        "status",
        "payment_status",
        "total",
        "payment_method",
        "created_at",
    ]
    list_filter = [
        "status",
        "payment_status",
        "payment_method",
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = [
        "number",
        "user__username",
        "user__email",
        "user__phone",
        "shipping_address__phone",
    ]
    change_list_template = "admin/orders/order/change_list.html"
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    inlines = [OrderLineInline, ShipmentInline, OrderEventInline]
    actions = ["ship_orders", "cancel_orders", "refund_orders", "packing_slips", "export_csv"]
    fieldsets = [
        (None, {"fields": ["number", "user", "status", "payment_status", "payment_method"]}),
        (
            _("Amounts"),
            {
                "fields": [
                    "currency",
                    "subtotal",
                    "discount_amount",
                    "tax_amount",
                    "shipping_amount",
                    "total",
                    "refunded_amount",
                    "coupon_code",
                ]
            },
        ),
        (_("Delivery"), {"fields": ["shipping_address", "notes"]}),
        (
            _("Dates"),
            {
                "fields": [
                    "created_at",
                    "expires_at",
                    "paid_at",
                    "shipped_at",
                    "delivered_at",
                    "cancelled_at",
                ]
            },
        ),
    ]
    # Everything but the notes: status and money change only through the actions (services).
    readonly_fields = [name for name in flatten_fieldsets(fieldsets) if name != "notes"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _apply(self, request, queryset, operation, done_message):
        """Run `operation` on each order; `done_message(count)` words the success."""
        done = 0
        for order in queryset.order_by("pk"):
            try:
                operation(order)
            except DomainError as exc:
                self.message_user(
                    request,
                    _("Order %(number)s: %(error)s")
                    % {"number": order.number, "error": exc.detail},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Ship selected orders"), permissions=["change"])
    def ship_orders(self, request, queryset):
        """Ask for carrier and tracking number on an intermediate page, then ship each order."""
        form = ShipForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._apply(
                request,
                queryset,
                lambda order: services.order_ship(order, actor=request.user, **form.cleaned_data),
                lambda n: (
                    ngettext("%(count)d order shipped.", "%(count)d orders shipped.", n)
                    % {"count": n}
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Ship orders"),
            "orders": queryset,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/orders/order/ship.html", context)

    @admin.action(description=_("Cancel selected orders"), permissions=["change"])
    def cancel_orders(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda order: services.order_cancel(order, actor=request.user, reason="admin"),
            lambda n: (
                ngettext("%(count)d order cancelled.", "%(count)d orders cancelled.", n)
                % {"count": n}
            ),
        )

    def has_refund_permission(self, request):
        # Money leaves the shop: staff, or a merchant given `orders.can_refund` (accounts.roles).
        return user_may_refund(request.user)

    @admin.action(description=_("Refund selected orders"), permissions=["refund"])
    def refund_orders(self, request, queryset):
        """Ask for the amount and the reason on an intermediate page, then refund each order
        through the payment gateway (order_refund_request), never as a bare record."""
        form = RefundForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            amount, reason = form.cleaned_data["amount"], form.cleaned_data["reason"]

            def refund(order):
                services.order_refund_request(
                    order,
                    amount=amount if amount is not None else order.total - order.refunded_amount,
                    reason=reason,
                    actor=request.user,
                )

            self._apply(
                request,
                queryset,
                refund,
                lambda n: (
                    ngettext("%(count)d order refunded.", "%(count)d orders refunded.", n)
                    % {"count": n}
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund orders"),
            "orders": queryset.order_by("pk"),
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/orders/order/refund.html", context)

    @admin.action(description=_("Print packing slips"), permissions=["view"])
    def packing_slips(self, request, queryset):
        """One page per order, made to be printed: the address and the lines, without prices."""
        orders = queryset.prefetch_related("lines").order_by("created_at", "pk")
        context = {"orders": orders, "title": _("Packing slips")}
        return TemplateResponse(request, "admin/orders/order/packing_slips.html", context)

    @admin.action(description=_("Export selected orders as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        count = queryset.count()
        response = orders_csv_response(queryset)
        self.message_user(
            request, ngettext("%d order exported.", "%d orders exported.", count) % count
        )
        return response

    def get_urls(self):
        urls = super().get_urls()
        export = path(
            "export-csv/",
            self.admin_site.admin_view(self.export_filtered_csv),
            name="orders_order_export_csv",
        )
        return [export, *urls]

    def export_filtered_csv(self, request):
        """The list as filtered and searched on the changelist (the same query string), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
            queryset = changelist.get_queryset(request)
        except IncorrectLookupParameters:
            return bad_filter_redirect(self, request)
        return orders_csv_response(queryset)


def _address_text(address):
    return " ".join(
        str(address.get(k) or "") for k in ("province", "city", "district", "street", "postal_code")
    ).strip()


def orders_csv_response(queryset):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Chinese text as UTF-8
    writer = csv.writer(response)
    writer.writerow(CSV_FIELDS)
    for order in queryset.select_related("user").order_by("created_at", "pk").iterator(2000):
        address = order.shipping_address or {}
        row = [
            order.number,
            timezone.localtime(order.created_at).isoformat(),
            order.user.get_username(),
            order.status,
            order.payment_status,
            order.payment_method,
            order.subtotal,
            order.discount_amount,
            order.tax_amount,
            order.shipping_amount,
            order.total,
            order.refunded_amount,
            order.coupon_code,
            address.get("full_name", ""),
            address.get("phone", ""),
            _address_text(address),
        ]
        writer.writerow([cell_neutralise(value) for value in row])
    return response


class CartItemInline(_ReadOnlyInline):
    model = CartItem
    readonly_fields = ("variant", "quantity", "created_at")
    fields = readonly_fields


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    """Read-only (deletion aside): a cart is its shopper's and changes only through the cart
    services, which lock it and check stock, line limits and sellable variants; a staff form
    would write a stale copy over the shopper's last change."""

    list_display = ["token", "user", "updated_at"]
    search_fields = ["token", "user__username", "user__email"]
    raw_id_fields = ["user"]
    inlines = [CartItemInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

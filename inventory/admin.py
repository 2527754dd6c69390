"""Admin for the inventory. Nobody edits quantities here: changes go through inventory.services
(the "Adjust stock" action), so every change has a ledger row."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import F
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export import fields as ie_fields
from import_export import resources
from import_export.admin import ExportMixin, ImportExportMixin

from catalog.admin import ProductAdmin, ProductVariantAdmin
from catalog.models import Product, ProductVariant
from core.admin import (
    BoundedImportForm,
    EditedFieldsAdminMixin,
    FilteredExportAdminMixin,
    edited_fields,
)
from core.exceptions import DomainError
from core.spreadsheets import FormulaSafeResourceMixin
from inventory import services
from inventory.exceptions import InvalidStockChange
from inventory.models import Allocation, Stock, StockAlert, StockMovement, Warehouse
from inventory.resources import StockResource


class StockInline(admin.TabularInline):
    """Stock of a variant per warehouse, read-only; for the catalog's ProductVariant admin."""

    model = Stock
    fk_name = "variant"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("warehouse", "quantity", "quantity_allocated", "available", "low_stock_threshold")
    readonly_fields = fields
    verbose_name_plural = _("stock (change it with the “Adjust stock” action of Inventory › Stock)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("warehouse")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("available"))
    def available(self, obj):
        return obj.available


class ProductVariantWithStockAdmin(ProductVariantAdmin):
    """catalog's variant admin with the stock rows below it. Registered from here, over catalog's
    registration: inventory sees both apps, catalog sits below inventory and never imports it."""

    inlines = [*ProductVariantAdmin.inlines, StockInline]


admin.site.unregister(ProductVariant)
admin.site.register(ProductVariant, ProductVariantWithStockAdmin)


class ProductStockAdjustForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        label=_("warehouse"), queryset=Warehouse.objects.filter(is_active=True)
    )


class ProductWithStockAdmin(ProductAdmin):
    """catalog's product admin with the stock of each variant per warehouse (read-only) and an
    "Adjust stock" action, through inventory.services.stock_adjust. Registered from here over
    catalog's registration, like the variant admin above."""

    actions = [*ProductAdmin.actions, "adjust_stock"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "stock_per_warehouse"] if obj is not None else fields

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and "stock_per_warehouse" not in fields:
            fields.append("stock_per_warehouse")
        return fields

    @admin.display(description=_("stock per warehouse"))
    def stock_per_warehouse(self, obj):
        stocks = list(
            Stock.objects.filter(variant__product=obj)
            .select_related("variant", "warehouse")
            .order_by("variant__sort_order", "variant_id", "warehouse__priority")
        )
        if not stocks:
            return _("No stock yet: use the “Adjust stock” action of the product list.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><strong>{}</strong></td></tr>",
            (
                (s.variant.sku, s.warehouse.code, s.quantity, s.quantity_allocated, s.available)
                for s in stocks
            ),
        )
        link = (
            reverse("admin:inventory_stock_changelist") + f"?variant__product__id__exact={obj.pk}"
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            '<tbody>{}</tbody></table><p><a href="{}">{}</a></p>',
            _("SKU"),
            _("warehouse"),
            _("on hand"),
            _("allocated"),
            _("available"),
            rows,
            link,
            _("Stock rows and their ledger"),
        )

    @admin.action(description=_("Adjust stock of selected products"), permissions=["adjust"])
    def adjust_stock(self, request, queryset):
        """Asks for a warehouse, change, reason and note; each active variant of the selected
        products then goes through stock_adjust (ledger row each), all or none."""
        variants = list(
            ProductVariant.objects.filter(product__in=queryset, is_active=True)
            .select_related("product")
            .order_by("pk")
        )
        posted = "apply" in request.POST
        form = StockAdjustForm(request.POST if posted else None)
        where = ProductStockAdjustForm(request.POST if posted else None)
        if posted and form.is_valid() and where.is_valid():
            data, warehouse = form.cleaned_data, where.cleaned_data["warehouse"]
            error = _adjust_all(
                request,
                [(v, warehouse) for v in variants],
                delta=data["quantity_change"],
                reason=data["reason"],
                note=data["note"],
            )
            if error:
                self.message_user(request, error, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Adjusted %(count)d variants by %(change)+d in %(warehouse)s.")
                    % {
                        "count": len(variants),
                        "change": data["quantity_change"],
                        "warehouse": warehouse.code,
                    },
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Adjust stock"),
            "opts": self.model._meta,
            "variants": variants,
            "products": queryset,
            "form": form,
            "where": where,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "adjust_stock",
        }
        return TemplateResponse(request, "admin/inventory/product_adjust.html", context)

    def has_adjust_permission(self, request):
        return request.user.has_perm("inventory.change_stock")


admin.site.unregister(Product)
admin.site.register(Product, ProductWithStockAdmin)


def _adjust_all(request, pairs, *, delta, reason, note):
    """stock_adjust for each (variant, warehouse), all or none; the error message, or None."""
    current = None
    try:
        with transaction.atomic():
            for current in pairs:
                variant, warehouse = current
                services.stock_adjust(
                    variant,
                    warehouse=warehouse,
                    delta=delta,
                    reason=reason,
                    actor=request.user,
                    note=note,
                )
    except DomainError as exc:
        assert current is not None  # raised by stock_adjust, for the current pair
        return _("Nothing was changed. %(sku)s in %(warehouse)s: %(error)s") % {
            "sku": current[0].sku,
            "warehouse": current[1].code,
            "error": exc.detail,
        }
    return None


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "priority", "is_active")
    list_editable = ("priority", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    ordering = ("priority", "code")

    def save_model(self, request, obj, form, change):
        # Also for list_editable: (de)activating a warehouse changes which products are in stock.
        # A change writes only the edited fields, like every admin edit (core.admin).
        services.warehouse_save(
            obj, fields=edited_fields(obj, form.changed_data) if change else None
        )


class StockAdjustForm(forms.Form):
    quantity_change = forms.IntegerField(
        label=_("change"),
        min_value=-services.MAX_QUANTITY,
        max_value=services.MAX_QUANTITY,
        help_text=_("Positive adds units, negative removes them."),
    )
    reason = forms.ChoiceField(
        label=_("reason"), choices=[(r.value, r.label) for r in services.ADJUST_REASONS]
    )
    note = forms.CharField(label=_("note"), max_length=255, required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if "quantity_change" in data and "reason" in data:
            try:
                services.stock_adjust_validate(data["quantity_change"], reason=data["reason"])
            except InvalidStockChange as exc:
                self.add_error("quantity_change", str(exc.detail))
        return data


class LowStockFilter(admin.SimpleListFilter):
    title = _("stock level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [
            ("low", _("Low (available at or below the threshold)")),
            ("out", _("Out of stock (nothing available)")),
            ("ok", _("Above the threshold")),
        ]

    def queryset(self, request, queryset):
        available = F("quantity") - F("quantity_allocated")
        queryset = queryset.alias(level_available=available)
        if self.value() == "low":
            return queryset.filter(level_available__lte=F("low_stock_threshold"))
        if self.value() == "out":
            return queryset.filter(level_available__lte=0)
        if self.value() == "ok":
            return queryset.filter(level_available__gt=F("low_stock_threshold"))
        return queryset


@admin.register(Stock)
class StockAdmin(
    FilteredExportAdminMixin, ImportExportMixin, EditedFieldsAdminMixin, admin.ModelAdmin
):
    """Stock rows, with import and export of on-hand per SKU per warehouse (inventory.resources:
    each imported row is a counted quantity set through stock_count_set, with its ledger row;
    all or nothing per file, previewed first)."""

    resource_classes = [StockResource]
    import_form_class = BoundedImportForm
    # Saving the threshold writes the threshold only: the quantities belong to the services, which
    # may have committed an allocation or an adjustment since the form was read.
    list_display = (
        "sku",
        "variant",
        "warehouse",
        "quantity",
        "quantity_allocated",
        "available",
        "low_stock_threshold",
        "updated_at",
    )
    list_filter = (LowStockFilter, "warehouse", "variant__product__category")
    list_select_related = ("variant__product", "warehouse")
    search_fields = ("variant__sku", "variant__product__name_zh_hans", "variant__product__name_en")
    raw_id_fields = ("variant",)
    readonly_fields = ("quantity", "quantity_allocated", "available", "updated_at")
    actions = ["adjust_stock"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(available_units=F("quantity") - F("quantity_allocated"))
        )

    def has_import_permission(self, request):
        return self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_readonly_fields(self, request, obj=None):
        # A new row starts at 0 (fill it with "Adjust stock"); an existing row keeps its place.
        if obj is not None:
            return ("variant", "warehouse", *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # the ledger and allocations refer to it

    @admin.display(description=_("SKU"), ordering="variant__sku")
    def sku(self, obj):
        return obj.variant.sku

    @admin.display(description=_("available"), ordering="available_units")
    def available(self, obj):
        return obj.available

    @admin.action(description=_("Adjust stock"), permissions=["change"])
    def adjust_stock(self, request, queryset):
        """An intermediate page asks for the change; each selected row then goes through
        stock_adjust, all rows or none."""
        stocks = list(queryset.select_related("variant__product", "warehouse").order_by("pk"))
        form = StockAdjustForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            data = form.cleaned_data
            error = _adjust_all(
                request,
                [(stock.variant, stock.warehouse) for stock in stocks],
                delta=data["quantity_change"],
                reason=data["reason"],
                note=data["note"],
            )
            if error:
                self.message_user(request, error, messages.ERROR)
                return None
            self.message_user(
                request,
                _("Adjusted %(count)d stock rows by %(change)+d.")
                % {"count": len(stocks), "change": data["quantity_change"]},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Adjust stock"),
            "opts": self.model._meta,
            "stocks": stocks,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "adjust_stock",
        }
        return TemplateResponse(request, "admin/inventory/stock/adjust.html", context)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StockMovementResource(FormulaSafeResourceMixin, resources.ModelResource):
    sku = ie_fields.Field(attribute="stock__variant__sku", column_name="sku")
    warehouse = ie_fields.Field(attribute="stock__warehouse__code", column_name="warehouse")
    user = ie_fields.Field(attribute="user__username", column_name="user")

    class Meta:
        model = StockMovement
        fields = (
            "created_at",
            "sku",
            "warehouse",
            "reason",
            "delta",
            "quantity_before",
            "quantity_after",
            "reference",
            "user",
            "note",
        )
        export_order = fields

    def get_queryset(self):
        return StockMovement.objects.select_related("stock__variant", "stock__warehouse", "user")


@admin.register(StockMovement)
class StockMovementAdmin(FilteredExportAdminMixin, ExportMixin, ReadOnlyAdmin):
    """The ledger, read-only; "Export" writes the filtered list as CSV or Excel."""

    resource_classes = [StockMovementResource]

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_queryset(self, request):
        return (
            super()
            .get_export_queryset(request)
            .select_related("stock__variant", "stock__warehouse", "user")
        )

    list_display = (
        "created_at",
        "sku",
        "warehouse",
        "reason",
        "delta",
        "quantity_before",
        "quantity_after",
        "reference",
        "user",
        "note",
    )
    list_filter = ("reason", "stock__warehouse", "created_at")
    list_select_related = ("stock__variant", "stock__warehouse", "user")
    search_fields = ("reference", "note", "stock__variant__sku")
    date_hierarchy = "created_at"

    @admin.display(description=_("SKU"), ordering="stock__variant__sku")
    def sku(self, obj):
        return obj.stock.variant.sku

    @admin.display(description=_("warehouse"), ordering="stock__warehouse__code")
    def warehouse(self, obj):
        return obj.stock.warehouse.code


@admin.register(StockAlert)
class StockAlertAdmin(ReadOnlyAdmin):
    list_display = ("stock", "sku", "level", "raised_at", "notified_at", "resolved_at")
    list_filter = ("level", ("resolved_at", admin.EmptyFieldListFilter), "raised_at")
    list_select_related = ("stock__variant", "stock__warehouse")
    search_fields = ("stock__variant__sku",)

    @admin.display(description=_("SKU"), ordering="stock__variant__sku")
    def sku(self, obj):
        return obj.stock.variant.sku


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("order_line", "stock", "quantity", "quantity_original", "created_at")
    list_select_related = ("order_line", "stock")
    search_fields = ("order_line__order__number", "stock__variant__sku")

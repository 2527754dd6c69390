"""Stock import and export (django-import-export): on-hand per SKU per warehouse.

Import columns: sku, warehouse (code), quantity (the counted on-hand). Each row goes through
inventory.services.stock_count_set: the difference from the locked row is one `adjustment` with its
ledger row, never below the allocated units. Opening balances are the same thing on empty rows.
All or nothing per file, with a dry-run preview (core.spreadsheets.ServiceImportResource).
Export adds allocated and available (read-only columns).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from import_export import fields

from catalog.models import ProductVariant
from core.spreadsheets import ServiceImportResource, cell_text
from inventory import services
from inventory.models import Stock, Warehouse


class StockResource(ServiceImportResource):
    sku = fields.Field(attribute="variant__sku", column_name="sku")
    warehouse = fields.Field(attribute="warehouse__code", column_name="warehouse")
    quantity = fields.Field(attribute="quantity", column_name="quantity")
    quantity_allocated = fields.Field(
        attribute="quantity_allocated", column_name="allocated", readonly=True
    )
    available = fields.Field(attribute="available", column_name="available", readonly=True)

    class Meta:
        model = Stock
        fields = ("sku", "warehouse", "quantity", "quantity_allocated", "available")
        export_order = fields
        import_id_fields = ("sku", "warehouse")
        skip_unchanged = False
        clean_model_instances = False

    @classmethod
    def get_display_name(cls) -> str:
        return _("Stock on hand")

    def get_queryset(self) -> Any:
        return Stock.objects.select_related("variant", "warehouse").order_by("variant__sku", "pk")

    def get_instance(self, instance_loader: Any, row: Any) -> Stock | None:
        sku, code = cell_text(row, "sku"), cell_text(row, "warehouse")
        if not sku or not code:
            return None
        return self.get_queryset().filter(variant__sku=sku, warehouse__code=code).first()

    def skip_row(
        self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None
    ) -> bool:
        """A count of 0 for a stock row that does not exist changes nothing: skipped."""
        data = getattr(instance, "_import_data", None) or {}
        return not import_validation_errors and instance.pk is None and data.get("quantity") == 0

    def parse_row(
        self, row: dict[str, Any], errors: dict[str, list[str]], *, instance: Any
    ) -> dict[str, Any]:
        def error(column: str, message: str) -> None:
            errors.setdefault(column, []).append(message)

        sku, code, text = (
            cell_text(row, "sku"),
            cell_text(row, "warehouse"),
            cell_text(row, "quantity"),
        )
        variant = ProductVariant.objects.filter(sku=sku).first() if sku else None
        if variant is None:
            error("sku", _("No variant with SKU %(sku)s.") % {"sku": sku})
        warehouse = Warehouse.objects.filter(code=code).first() if code else None
        if warehouse is None:
            error("warehouse", _("No warehouse %(code)s.") % {"code": code})
        quantity = None
        try:
            quantity = int(text)
            if quantity < 0 or quantity > services.MAX_ON_HAND or str(quantity) != text:
                raise ValueError(text)
        except ValueError:
            quantity = None
            error("quantity", _("Not a whole number of units: %(value)s.") % {"value": text})
        if variant is not None and warehouse is not None and instance.pk is None:
            instance.variant, instance.warehouse = variant, warehouse
        if quantity is not None:
            instance.quantity = quantity  # for the preview only: the service writes it
        return {"variant": variant, "warehouse": warehouse, "quantity": quantity}

    def write_row(self, instance: Any, data: dict[str, Any], *, user: Any) -> None:
        stock = services.stock_count_set(
            data["variant"],
            warehouse=data["warehouse"],
            quantity=data["quantity"],
            actor=user,
            note=_("import"),
        )
        if stock is not None:
            stock.refresh_from_db()
            instance.pk, instance.id = stock.pk, stock.pk
            instance.quantity = stock.quantity
            instance.quantity_allocated = stock.quantity_allocated
            instance._state = stock._state

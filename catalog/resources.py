"""Catalogue import and export (django-import-export), one row per variant.

Columns: sku, product_slug, product_name, category (slug), brand (slug), name (the variant's),
price, compare_at_price, is_active. An import writes only through catalog.services.variant_import
(product_create/product_update, variant_create/variant_update), never a model's save(): prices are
checked and rounded, the products' shown prices, stock flags and search follow.

A file is imported all or nothing: the admin first shows a dry run (every row checked and written
inside a transaction that is rolled back) with the bad rows and why; a file with any bad row cannot
be confirmed, and the confirmed run rolls back as a whole should a row fail then.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from import_export import fields, widgets

from catalog import services
from catalog.models import Brand, Category, ProductVariant
from core.spreadsheets import ServiceImportResource, cell_text

TRUE_WORDS = {"1", "true", "yes", "y", "是", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "off"}


def parse_bool(value: str) -> bool | None:
    """'' -> None (unchanged); yes/no words in English and Chinese; anything else ValueError."""
    word = value.strip().lower()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(word)


def parse_price(value: str) -> Decimal | None:
    """'' -> None; a number with at most 2 decimals, not negative; anything else ValueError."""
    text = value.replace(",", "").replace("¥", "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
        # quantize raises InvalidOperation past the context's 28 digits (1e400): a bad row too.
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise ValueError(text)
    except InvalidOperation:
        raise ValueError(text) from None
    return amount


class VariantResource(ServiceImportResource):
    sku = fields.Field(attribute="sku", column_name="sku")
    product_slug = fields.Field(attribute="product__slug", column_name="product_slug")
    product_name = fields.Field(attribute="product__name", column_name="product_name")
    category = fields.Field(attribute="product__category__slug", column_name="category")
    brand = fields.Field(attribute="product__brand__slug", column_name="brand")
    name = fields.Field(attribute="name", column_name="name")
    price = fields.Field(attribute="price", column_name="price", widget=widgets.DecimalWidget())
    compare_at_price = fields.Field(
        attribute="compare_at_price", column_name="compare_at_price", widget=widgets.DecimalWidget()
    )
    is_active = fields.Field(
        attribute="is_active", column_name="is_active", widget=widgets.BooleanWidget()
    )

    class Meta:
        model = ProductVariant
        fields = (
            "sku",
            "product_slug",
            "product_name",
            "category",
            "brand",
            "name",
            "price",
            "compare_at_price",
            "is_active",
        )
        export_order = fields
        import_id_fields = ("sku",)
        skip_unchanged = False
        clean_model_instances = False
        name = "Products and variants"

    @classmethod
    def get_display_name(cls) -> str:
        return _("Products and variants")

    def get_queryset(self) -> Any:
        return ProductVariant.objects.select_related(
            "product__category", "product__brand"
        ).order_by("product_id", "sort_order", "pk")

    def parse_row(
        self, row: dict[str, Any], errors: dict[str, list[str]], *, instance: Any
    ) -> dict[str, Any]:
        def error(column: str, message: str) -> None:
            errors.setdefault(column, []).append(message)

        data: dict[str, Any] = {}
        sku = cell_text(row, "sku")
        if not sku or len(sku) > services.SKU_MAX_LENGTH:
            error("sku", _("An SKU of 1 to %(max)d characters is required.") % {"max": 64})
        data["sku"] = sku
        data["product_slug"] = cell_text(row, "product_slug")
        if not data["product_slug"]:
            error("product_slug", _("This column is required."))
        data["product_name"] = cell_text(row, "product_name")
        category_slug = cell_text(row, "category")
        data["category"] = None
        if category_slug:
            data["category"] = Category.objects.filter(slug=category_slug).first()
            if data["category"] is None:
                error("category", _("No category %(slug)s.") % {"slug": category_slug})
        brand_slug = cell_text(row, "brand")
        data["brand"] = None
        if brand_slug:
            data["brand"] = Brand.objects.filter(slug=brand_slug).first()
            if data["brand"] is None:
                error("brand", _("No brand %(slug)s.") % {"slug": brand_slug})
        fields_: dict[str, Any] = {}
        if "name" in row:
            fields_["name"] = cell_text(row, "name")
        for column in ("price", "compare_at_price"):
            if column not in row:
                continue
            try:
                amount = parse_price(cell_text(row, column))
            except ValueError:
                error(column, _("Not a price: %(value)s.") % {"value": cell_text(row, column)})
                continue
            if amount is not None or column == "compare_at_price":
                fields_[column] = amount
        if instance.pk is None and fields_.get("price") is None:
            error("price", _("A new variant needs a price."))
        if "is_active" in row:
            try:
                active = parse_bool(cell_text(row, "is_active"))
            except ValueError:
                error("is_active", _("Not yes or no: %(value)s.") % {"value": row["is_active"]})
            else:
                if active is not None:
                    fields_["is_active"] = active
        data["fields"] = fields_
        # What the preview's diff shows (the row is written by the service, not by save()).
        for name, value in fields_.items():
            setattr(instance, name, value)
        instance.sku = sku
        return data

    def write_row(self, instance: Any, data: dict[str, Any], *, user: Any) -> None:
        variant, _created = services.variant_import(
            sku=data["sku"],
            product_slug=data["product_slug"],
            product_name=data["product_name"],
            category=data["category"],
            brand=data["brand"],
            actor=user,
            **data["fields"],
        )
        variant.refresh_from_db()
        instance.__dict__.update(
            {k: v for k, v in variant.__dict__.items() if not k.startswith("_")}
        )
        instance._state = variant._state
        instance.product = variant.product

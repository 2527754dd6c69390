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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from catalog import services
from catalog.models import Brand, Category, ProductVariant
from core.exceptions import DomainError
from core.spreadsheets import FormulaSafeResourceMixin

# Rows of one file: each is checked (dry run), then written, in one request, tens of milliseconds a
# row. A longer file is refused whole (split it); core.admin.BoundedImportForm caps the bytes.
IMPORT_MAX_ROWS = 2000

TRUE_WORDS = {"1", "true", "yes", "y", "是", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "off"}


def _text(row: dict[str, Any], column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet's number cell (an SKU of digits)
    return str(value).strip()


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


class ServiceImportResource(FormulaSafeResourceMixin, resources.ModelResource):
    """A ModelResource whose rows are parsed by `parse_row` and written by `write_row` (a service),
    instead of import-export setting attributes and calling save(). Always in one transaction,
    rolled back on any bad row."""

    def import_data(self, dataset: Any, *args: Any, **kwargs: Any) -> Any:
        if len(dataset) > IMPORT_MAX_ROWS:
            result = self.get_result_class()()
            message = _("The file has %(rows)d rows; at most %(max)d rows at a time.") % {
                "rows": len(dataset),
                "max": IMPORT_MAX_ROWS,
            }
            result.append_base_error(self.get_error_result_class()(ValueError(message)))
            return result
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        super().before_import(dataset, **kwargs)
        self._rows_seen: dict[tuple[str, ...], int] = {}

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        instance._import_data = self.parse_row(row, errors, instance=instance)
        self._check_repeated(row, errors, kwargs.get("row_number"))
        if errors:
            raise ValidationError(errors)

    def _check_repeated(
        self, row: dict[str, Any], errors: dict[str, list[str]], number: int | None
    ) -> None:
        """Two rows naming the same record (an SKU, an SKU in a warehouse): the later one would
        overwrite the earlier without the preview saying so. The later row is a bad row."""
        columns = [self.fields[name].column_name for name in self._meta.import_id_fields]
        key = tuple(_text(row, column) for column in columns)
        if not all(key):
            return
        seen = getattr(self, "_rows_seen", None)
        if seen is None:
            seen = self._rows_seen = {}
        if key in seen:
            errors.setdefault(columns[0], []).append(
                _("%(key)s is already in row %(row)s of this file.")
                % {"key": " / ".join(key), "row": seen[key]}
            )
        else:
            seen[key] = number if number is not None else len(seen) + 1

    def validate_instance(
        self, instance: Any, import_validation_errors: Any = None, **kw: Any
    ) -> None:
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        try:
            with transaction.atomic():
                self.write_row(instance, instance._import_data, user=kwargs.get("user"))
        except DomainError as exc:
            raise ValidationError({"__all__": [str(exc.detail)]}) from exc
        except ValidationError as exc:
            raise ValidationError({"__all__": exc.messages}) from exc

    def save_m2m(self, instance: Any, row: Any, **kwargs: Any) -> None:
        pass

    def parse_row(
        self, row: dict[str, Any], errors: dict[str, list[str]], *, instance: Any
    ) -> dict[str, Any]:
        raise NotImplementedError

    def write_row(self, instance: Any, data: dict[str, Any], *, user: Any) -> None:
        raise NotImplementedError


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
        sku = _text(row, "sku")
        if not sku or len(sku) > services.SKU_MAX_LENGTH:
            error("sku", _("An SKU of 1 to %(max)d characters is required.") % {"max": 64})
        data["sku"] = sku
        data["product_slug"] = _text(row, "product_slug")
        if not data["product_slug"]:
            error("product_slug", _("This column is required."))
        data["product_name"] = _text(row, "product_name")
        category_slug = _text(row, "category")
        data["category"] = None
        if category_slug:
            data["category"] = Category.objects.filter(slug=category_slug).first()
            if data["category"] is None:
                error("category", _("No category %(slug)s.") % {"slug": category_slug})
        brand_slug = _text(row, "brand")
        data["brand"] = None
        if brand_slug:
            data["brand"] = Brand.objects.filter(slug=brand_slug).first()
            if data["brand"] is None:
                error("brand", _("No brand %(slug)s.") % {"slug": brand_slug})
        fields_: dict[str, Any] = {}
        if "name" in row:
            fields_["name"] = _text(row, "name")
        for column in ("price", "compare_at_price"):
            if column not in row:
                continue
            try:
                amount = parse_price(_text(row, column))
            except ValueError:
                error(column, _("Not a price: %(value)s.") % {"value": _text(row, column)})
                continue
            if amount is not None or column == "compare_at_price":
                fields_[column] = amount
        if instance.pk is None and fields_.get("price") is None:
            error("price", _("A new variant needs a price."))
        if "is_active" in row:
            try:
                active = parse_bool(_text(row, "is_active"))
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

"""Cells written to CSV or Excel files that people open in a spreadsheet program.

A text cell starting with = + - @ (or a tab or carriage return) is run as a formula by Excel,
LibreOffice and WPS: a customer's name or a product's name would then fetch a URL or start a
program on the merchant's computer (CSV / formula injection). Such text goes out with a leading
apostrophe, which the spreadsheet shows as text. Numbers (a negative delta, a price) are left as
they are: they are not formulae.

Imports go the other way, through the apps' services: ServiceImportResource is the
django-import-export plumbing that the catalogue and stock imports share (all or nothing per file,
repeated keys refused, a bounded number of rows).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import resources
from import_export.resources import ModelDeclarativeMetaclass

from core.exceptions import DomainError

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def cell_neutralise(value: Any) -> Any:
    """The value as a spreadsheet should read it: formula-like text prefixed with "'"."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS) and not _is_number(value):
        return "'" + value
    return value


class FormulaSafeResourceMixin:
    """For django-import-export resources: every exported cell goes through cell_neutralise
    (CSV, Excel and the other formats alike; openpyxl would store "=..." as a live formula)."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return cell_neutralise(super().export_field(field, instance, **kwargs))  # type: ignore[misc]


# Rows of one file: each is checked (dry run), then written, in one request, tens of milliseconds a
# row. A longer file is refused whole (split it); core.admin.BoundedImportForm caps the bytes.
IMPORT_MAX_ROWS = 2000


def cell_text(row: dict[str, Any], column: str) -> str:
    """A row's cell as stripped text ("" when empty)."""
    value = row.get(column)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet's number cell (an SKU of digits)
    return str(value).strip()


class _AbstractResourceMeta(ModelDeclarativeMetaclass, ABCMeta):
    pass


class ServiceImportResource(
    FormulaSafeResourceMixin, resources.ModelResource, metaclass=_AbstractResourceMeta
):
    """A ModelResource whose rows are parsed by `parse_row` and written by `write_row` (a service),
    instead of import-export setting attributes and calling save(). Always in one transaction,
    rolled back on any bad row. A subclass names the app's service in the two hooks."""

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
        key = tuple(cell_text(row, column) for column in columns)
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

    @abstractmethod
    def parse_row(
        self, row: dict[str, Any], errors: dict[str, list[str]], *, instance: Any
    ) -> dict[str, Any]:
        """The row's values, checked; each problem added to `errors` under its column."""

    @abstractmethod
    def write_row(self, instance: Any, data: dict[str, Any], *, user: Any) -> None:
        """Write one parsed row through the app's service (a DomainError is a bad row)."""

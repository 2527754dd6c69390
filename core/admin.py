"""Shared admin plumbing: a change form writes only what the person edited.

A ModelAdmin's default save writes every column of the row it read when the form was shown. Columns
that services keep (an order's status, a stock row's allocated units, a template's claimed count, a
product's price, rating and stock flag) may have changed and committed since, under the service's
lock; writing the stale copy back would undo that work. So an edit saves with
``update_fields=`` the form's changed fields (plus ``auto_now`` columns), and a service column is
written only by its service.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.db import models, transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export.forms import ImportForm

if TYPE_CHECKING:
    # The mixin goes before a ModelAdmin in the bases: type-check its super() calls against one.
    # (ModelAdmin is generic only in the stubs, not subscriptable at runtime.)
    _AnyModelAdmin = admin.ModelAdmin[Any]
    _AdminBase = _AnyModelAdmin
else:
    _AnyModelAdmin = admin.ModelAdmin
    _AdminBase = object


def edited_fields(obj: models.Model, changed: Iterable[str]) -> list[str]:
    """The concrete columns among `changed` (a form's changed_data), for save(update_fields=...).

    Many-to-many fields are left out (the form's save_m2m writes them), as are form-only fields.
    """
    concrete = {f.name for f in obj._meta.concrete_fields if not f.primary_key}
    return [name for name in changed if name in concrete]


def auto_now_fields(obj: models.Model) -> list[str]:
    return [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]


def save_edited(obj: models.Model, changed: Iterable[str]) -> bool:
    """Save an existing row's edited columns only (and its auto_now ones). Nothing edited -> no
    write at all. Returns whether a row was written."""
    fields = edited_fields(obj, changed)
    if not fields:
        return False
    obj.save(update_fields=[*fields, *(f for f in auto_now_fields(obj) if f not in fields)])
    return True


def refresh_locked(obj: models.Model, fields: Iterable[str]) -> None:
    """Re-read `fields` of `obj` from its row, locked until the end of the transaction when there is
    one (the admin's change view runs its validation and save in one), so a form validates an
    invariant against the service's committed value, not against the copy it read."""
    fields = list(fields)
    qs = type(obj)._default_manager.filter(pk=obj.pk)
    if transaction.get_connection(qs.db).in_atomic_block:
        qs = qs.select_for_update()
    fresh = qs.values(*fields).first()
    if fresh is not None:
        for name, value in fresh.items():
            setattr(obj, name, value)


class EditedFieldsAdminMixin(_AdminBase):
    """For a ModelAdmin (and its inlines' formsets) whose model has columns that services own.

    * save_model: a change writes only the form's changed fields; an addition inserts as usual.
    * save_formset: existing inline rows write only their changed fields; new rows insert through
      ``save_new_inline`` and deleted ones go through ``delete_inline`` (override either to route
      them through a service).
    * ``locked_fields``: service columns that the model's validation compares an edit against
      (CouponTemplate.clean: total_quantity >= claimed_count); the form re-reads them from the
      locked row before validating, so the admin shows a form error instead of saving an edit the
      fresh value forbids (or failing on a database constraint).
    """

    locked_fields: tuple[str, ...] = ()

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Any]]:
        # By keyword: django.contrib.auth's UserAdmin.get_form takes `change` only in **kwargs.
        form = super().get_form(request, obj, change=change, **kwargs)
        locked = tuple(self.locked_fields)
        if not locked:
            return form

        class LockedFreshForm(form):  # type: ignore[valid-type,misc]  # the admin's form class, known at runtime
            def _post_clean(self) -> None:
                # Before construct_instance and the model's clean(), which read these fields.
                if self.instance.pk is not None:
                    refresh_locked(self.instance, locked)
                super()._post_clean()

        LockedFreshForm.__name__ = form.__name__
        return LockedFreshForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: Any) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        save_edited(obj, form.changed_data)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: Any) -> None:
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            self.delete_inline(request, obj)
        for obj in formset.new_objects:
            self.save_new_inline(request, obj)
        for obj, changed in formset.changed_objects:
            save_edited(obj, changed)
        formset.save_m2m()

    def save_new_inline(self, request: HttpRequest, obj: models.Model) -> None:
        obj.save()

    def delete_inline(self, request: HttpRequest, obj: models.Model) -> None:
        obj.delete()


class EditedFieldsModelAdmin(EditedFieldsAdminMixin, _AnyModelAdmin):
    pass


def bad_filter_redirect(model_admin: Any, request: HttpRequest) -> HttpResponseRedirect:
    """Where the changelist itself sends a query string it cannot apply: the list with ?e=1
    ("invalid lookup"), a redirect rather than a 500."""
    opts = model_admin.model._meta
    url = reverse(
        f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist",
        current_app=model_admin.admin_site.name,
    )
    return HttpResponseRedirect(f"{url}?{ERROR_FLAG}=1")


class FilteredExportAdminMixin(_AdminBase):
    """For django-import-export's export view, which keeps the changelist's filters from the
    query string: a filter the list refuses (an unknown field, a date that is no date) raised
    IncorrectLookupParameters out of the view, a 500. It is refused as the list refuses it."""

    def export_action(self, request: HttpRequest) -> Any:
        try:
            return super().export_action(request)  # type: ignore[misc]
        except IncorrectLookupParameters:
            return bad_filter_redirect(self, request)


# An import is checked (dry run) and written row by row in one request, tens of milliseconds a
# row: a bigger file is refused before it is read (split it). catalog.resources also caps the rows.
IMPORT_MAX_BYTES = 2 * 1024 * 1024
# An .xlsx or .ods is a zip whose reader loads the unpacked sheets: a zip bomb of a few hundred
# kilobytes would unpack to gigabytes. Judged by the sizes in the zip's directory, not unpacked.
IMPORT_MAX_UNPACKED_BYTES = 50 * 1024 * 1024


def _unpacked_size(upload: Any) -> int | None:
    """The total size the zip `upload` says its members unpack to; None when it is no zip."""
    import zipfile

    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            return sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)


class BoundedImportForm(ImportForm):
    """django-import-export's import form with a size limit on the file."""

    def clean_import_file(self) -> Any:
        upload = self.cleaned_data["import_file"]
        if upload is None:
            return upload
        too_large = upload.size is not None and upload.size > IMPORT_MAX_BYTES
        unpacked = None if too_large else _unpacked_size(upload)
        if too_large or (unpacked is not None and unpacked > IMPORT_MAX_UNPACKED_BYTES):
            raise forms.ValidationError(
                _("The file is too large (at most %(mb)s MB): split it into smaller files.")
                % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
                code="file_too_large",
            )
        return upload

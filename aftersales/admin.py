"""After-sales requests in the admin: staff's queue. Records are read-only; status, amounts and
stock change only through the services (the actions)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.permissions import is_staff_user, signed_in_user
from aftersales import services
from aftersales.models import AfterSalesEvent, AfterSalesLine, AfterSalesPhoto, AfterSalesRequest
from core.admin import EditedFieldsAdminMixin
from core.exceptions import DomainError


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LineInline(_ReadOnlyInline):
    model = AfterSalesLine
    readonly_fields = ("order_line", "quantity", "refund_amount", "restock")
    fields = readonly_fields


class EventInline(_ReadOnlyInline):
    model = AfterSalesEvent
    readonly_fields = ("created_at", "from_status", "to_status", "actor", "note")
    fields = readonly_fields


class PhotoInline(_ReadOnlyInline):
    model = AfterSalesPhoto
    readonly_fields = ("image", "created_at")
    fields = readonly_fields


class AgeFilter(admin.SimpleListFilter):
    """How long a request has waited since it was opened."""

    title = _("age")
    parameter_name = "age"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("1", _("Under a day")),
            ("1-3", _("1 to 3 days")),
            ("3-7", _("3 to 7 days")),
            ("7", _("Over 7 days")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        day = timedelta(days=1)
        bounds = {"1": (0, 1), "1-3": (1, 3), "3-7": (3, 7), "7": (7, None)}
        if self.value() not in bounds:
            return queryset
        low, high = bounds[str(self.value())]
        queryset = queryset.filter(created_at__lte=now - low * day)
        if high is not None:
            queryset = queryset.filter(created_at__gt=now - high * day)
        return queryset


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), max_length=500, required=False)


@admin.register(AfterSalesRequest)
class AfterSalesRequestAdmin(EditedFieldsAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "order",
        "user",
        "kind",
        "status",
        "reason",
        "refund_amount",
        "created_at",
    ]
    list_filter = ["status", "kind", "reason", AgeFilter]
    search_fields = ["order__number", "user__username", "user__email", "return_tracking_number"]
    list_select_related = ["order", "user"]
    date_hierarchy = "created_at"
    ordering = ["created_at"]  # oldest first: a queue
    inlines = [LineInline, PhotoInline, EventInline]
    actions = [
        "approve_requests",
        "reject_requests",
        "receive_restock",
        "receive_write_off",
        "refund_requests",
    ]
    fields = (
        "order",
        "user",
        "kind",
        "status",
        "reason",
        "description",
        "refund_amount",
        "shipping_refund",
        "return_carrier",
        "return_tracking_number",
        "refund",
        "created_at",
        "decided_at",
        "returned_at",
        "received_at",
        "refunded_at",
        "closed_at",
    )
    # Everything: the customer wrote it, or a service owns it.
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return is_staff_user(request.user)

    def _apply(self, request: HttpRequest, queryset: QuerySet[Any], operation: Any) -> None:
        done = 0
        for item in queryset.order_by("pk"):
            try:
                operation(item)
            except DomainError as exc:
                self.message_user(
                    request,
                    _("Request #%(id)s: %(error)s") % {"id": item.pk, "error": exc.detail},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d request updated.", "%(count)d requests updated.", done)
                % {"count": done},
                messages.SUCCESS,
            )

    def _with_note(
        self, request: HttpRequest, queryset: QuerySet[Any], action: str, title: Any, run: Any
    ) -> TemplateResponse | None:
        form = NoteForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self._apply(request, queryset, lambda item: run(item, form.cleaned_data["note"]))
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "requests": queryset,
            "form": form,
            "action": action,
            "opts": self.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/aftersales/note.html", context)

    @admin.action(description=_("Approve selected requests"), permissions=["change"])
    def approve_requests(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        return self._with_note(
            request,
            queryset,
            "approve_requests",
            _("Approve requests"),
            lambda item, note: services.aftersales_request_approve(
                item, actor=signed_in_user(request), note=note
            ),
        )

    @admin.action(description=_("Reject selected requests"), permissions=["change"])
    def reject_requests(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        return self._with_note(
            request,
            queryset,
            "reject_requests",
            _("Reject requests"),
            lambda item, note: services.aftersales_request_reject(
                item, actor=signed_in_user(request), note=note
            ),
        )

    def _receive(self, request: HttpRequest, queryset: QuerySet[Any], restock: bool) -> None:
        def receive(item: AfterSalesRequest) -> None:
            lines = item.lines.values_list("order_line_id", flat=True)
            services.aftersales_request_receive(
                item, restock={pk: restock for pk in lines}, actor=signed_in_user(request)
            )

        self._apply(request, queryset, receive)

    @admin.action(description=_("Mark received and restock"), permissions=["change"])
    def receive_restock(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._receive(request, queryset, True)

    @admin.action(description=_("Mark received and write off"), permissions=["change"])
    def receive_write_off(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._receive(request, queryset, False)

    @admin.action(description=_("Refund selected requests"), permissions=["refund"])
    def refund_requests(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._apply(
            request,
            queryset,
            lambda item: services.aftersales_request_refund(item, actor=signed_in_user(request)),
        )

"""The storefront's after-sales forms (plain HTML forms; they work without JavaScript)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aftersales.models import AfterSalesRequest
from aftersales.services import MAX_PHOTOS, photos_validate


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [super(MultipleImageField, self).clean(f, initial) for f in files]
        photos_validate(files)
        return files


class RequestForm(forms.Form):
    """A request for one order: kind, reason, words, photos and a quantity per line."""

    kind = forms.ChoiceField(
        label=_("What do you want?"),
        choices=AfterSalesRequest.Kind.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=AfterSalesRequest.Reason.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = MultipleImageField(label=_("Photos (up to %(n)d)") % {"n": MAX_PHOTOS}, required=False)

    def __init__(self, *args: Any, lines: list[tuple[Any, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines = lines
        for line, left in lines:
            label = f"{line.product_name} {line.variant_name}".strip()
            self.fields[f"quantity_{line.pk}"] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=left,
                initial=0,
                required=False,
                disabled=left == 0,
            )

    def line_fields(self) -> list[tuple[Any, int, Any]]:
        return [(line, left, self[f"quantity_{line.pk}"]) for line, left in self.order_lines]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lines = []
        for line, left in self.order_lines:
            units = data.get(f"quantity_{line.pk}") or 0
            if units and left:
                lines.append({"order_line_id": line.pk, "quantity": units})
        if not lines:
            raise ValidationError(_("Choose how many of which item."), code="no_lines")
        data["lines"] = lines
        return data


class ShipBackForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=64)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64)

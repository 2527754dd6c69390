import django_filters
from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from core.api.filters import IdFilter
from inventory.models import Stock, StockMovement


class StrictBooleanField(forms.Field):
    """true/false/1/0; anything else is an error rather than silently ignored."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise forms.ValidationError(_("Use true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StockFilter(django_filters.FilterSet):
    variant = IdFilter(field_name="variant_id")
    warehouse = IdFilter(field_name="warehouse_id")
    low = StrictBooleanFilter(
        method="filter_low", help_text=_("true: only rows at or below their threshold.")
    )

    class Meta:
        model = Stock
        fields = ["variant", "warehouse", "low"]

    def filter_low(self, queryset, name, value):
        at_or_below = {"quantity__lte": F("quantity_allocated") + F("low_stock_threshold")}
        if value is None:
            return queryset
        return queryset.filter(**at_or_below) if value else queryset.exclude(**at_or_below)


class MovementFilter(django_filters.FilterSet):
    variant = IdFilter(field_name="stock__variant_id")
    warehouse = IdFilter(field_name="stock__warehouse_id")
    reason = django_filters.ChoiceFilter(choices=StockMovement.Reason.choices)
    start = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", help_text=_("From this day (inclusive).")
    )
    end = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", help_text=_("To this day (inclusive).")
    )

    class Meta:
        model = StockMovement
        fields = ["variant", "warehouse", "reason", "start", "end"]

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from catalog import queries

# API name -> model field. Every ordering ends with the primary key so that pages never overlap.
ORDERINGS = {
    "price": ("price", "id"),
    "-price": ("-price", "-id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "sales": ("sales_count", "id"),
    "-sales": ("-sales_count", "-id"),
    "rating": ("rating_avg", "review_count", "id"),
    "-rating": ("-rating_avg", "-review_count", "-id"),
}


class StrictBooleanField(forms.Field):
    """true/false/1/0/yes/no; anything else is an error (NullBooleanField would ignore it)."""

    TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(_("Use true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class ProductFilter(django_filters.FilterSet):
    """The product list's filters. A malformed value answers 400 (django-filter validates the
    form), never a silently ignored filter or a 500."""

    search = django_filters.CharFilter(method="filter_search", max_length=200, label=_("Search"))
    category = django_filters.CharFilter(
        method="filter_category", label=_("Category slug (with its subcategories)")
    )
    brand = django_filters.CharFilter(field_name="brand__slug", label=_("Brand slug"))
    min_price = django_filters.NumberFilter(field_name="price", lookup_expr="gte", min_value=0)
    max_price = django_filters.NumberFilter(field_name="price", lookup_expr="lte", min_value=0)
    featured = StrictBooleanFilter(field_name="is_featured")
    in_stock = StrictBooleanFilter(method="filter_in_stock")
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        choices=[(key, key) for key in ORDERINGS],
        label=_("Ordering"),
        empty_label=None,
    )

    def filter_search(self, queryset, name, value):
        return queries.product_search(queryset, value)

    def filter_in_stock(self, queryset, name, value):
        # The stored column (catalog.services.products_refresh_in_stock), not a semi-join with every
        # stock row: the page and the paginator's COUNT read a partial index instead.
        return queryset.filter(in_stock=value)

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_id__in=queries.category_descendant_ids_by_slug(value))

    def filter_ordering(self, queryset, name, value):
        # Applied in filter_queryset, after every filter, so that search's relevance can be the
        # default.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        ordering = self.form.cleaned_data.get("ordering")
        if ordering:
            return queryset.order_by(*ORDERINGS[ordering])
        if (self.form.cleaned_data.get("search") or "").strip():
            return queryset.order_by("-relevance", "-sales_count", "-id")
        return queryset.order_by("-created_at", "-id")

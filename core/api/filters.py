"""Query-string filters shared by the apps' FilterSets."""

from typing import Any

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

# The largest value of a BigAutoField (and of SQLite's INTEGER): a larger id cannot exist, and
# passing one to the database overflows the driver instead of finding nothing.
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A row id in the query string: "1.5", "-2e36" or 10**30 are a 400, not a truncated id or
    an overflow in the database driver."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

    def get_max_validator(self) -> None:
        # max_value above already bounds it; NumberFilter's 1e50 float would only repeat it.
        return None

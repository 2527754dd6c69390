"""Forms of the storefront's catalogue pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import REVIEW_BODY_MAX_LENGTH

# The sort menu of the listing pages: the API's `ordering` values, in the order shown. The empty
# value is the default (relevance for a search, newest first otherwise).
ORDERING_CHOICES = [
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
    ("-sales", _("Best selling")),
    ("-rating", _("Top rated")),
    ("-created_at", _("Newest")),
    ("name", _("Name")),
]

RATING_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    """What a buyer writes; who may write is catalog.services.review_create's rule."""

    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=RATING_CHOICES, coerce=int, initial=5
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Your review"),
        max_length=REVIEW_BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

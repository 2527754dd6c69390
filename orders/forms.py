"""Forms of the storefront's cart and checkout pages (field names are the API's)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import AddressForm
from accounts.services import ADDRESS_FIELDS


class CartAddForm(forms.Form):
    variant_id = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(min_value=1, initial=1)


class CartQuantityForm(forms.Form):
    """The cart service checks the per-line maximum (CART_MAX_LINE_QUANTITY) and says it."""

    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)


class CheckoutAddressForm(AddressForm):
    """A new shipping address typed at checkout: the address book's form without "default".
    No `required` attributes: the form is ignored when a saved address is chosen, and the
    browser must not refuse that submit over empty fields (the server checks them)."""

    use_required_attribute = False

    class Meta(AddressForm.Meta):
        fields = [name for name in ADDRESS_FIELDS if name != "country"]

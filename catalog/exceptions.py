"""Domain errors of the catalogue (machine codes stay English; details are translatable)."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import Conflict, DomainError, PermissionDenied


class CategoryHasProducts(Conflict):
    """Deleting a category that still holds products, even inactive ones."""

    code = "category_has_products"
    default_detail = _("This category still has products; move them first.")


class CategoryHasChildren(Conflict):
    code = "category_has_children"
    default_detail = _("This category still has subcategories; move or delete them first.")


class NotABuyer(PermissionDenied):
    """Only a customer with a delivered order of the product may review it."""

    code = "not_a_buyer"
    default_detail = _("Only customers who received this product may review it.")


class AlreadyReviewed(Conflict):
    code = "already_reviewed"
    default_detail = _("You have already reviewed this product.")


class PriceChangeInvalid(DomainError):
    """A bulk price change by a percentage that would make a price negative or zero-to-nothing, or
    that is not a number."""

    code = "price_change_invalid"
    default_detail = _("The price change must be a percentage above -100.")

"""Domain errors of recommendations (machine codes stay English; details are translatable)."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import NotFound


class ProductNotFound(NotFound):
    """An event or favourite for a product that does not exist or is not shown to shoppers."""

    code = "product_not_found"
    default_detail = _("No such product.")


class FavouriteNotFound(NotFound):
    """Removing a product that is not among the user's favourites."""

    code = "favourite_not_found"
    default_detail = _("This product is not among your favourites.")

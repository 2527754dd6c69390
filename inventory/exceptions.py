"""Domain errors of the inventory. Codes are stable machine codes; details are for people."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import Conflict, DomainError


class InsufficientStock(Conflict):
    """Not every line can be allocated. `extra["lines"]` names each short line:
    `{"variant_id", "sku", "requested", "available"}` (lines of one variant are summed)."""

    code = "insufficient_stock"
    default_detail = _("Not enough stock for some items.")


class StockBelowAllocated(Conflict):
    """A change would take `quantity` below the units already promised to orders (or below zero)."""

    code = "stock_below_allocated"
    default_detail = _("Stock cannot go below the units allocated to orders.")


class InvalidStockChange(DomainError):
    """A stock change that makes no sense, e.g. a zero change or a positive `damage`."""

    code = "invalid_stock_change"
    default_detail = _("This stock change is not valid.")


class StockChanged(Conflict):
    """A compare-and-set write found the row changed since it was read (only possible without row
    locks); the caller's transaction is rolled back and the request can simply be retried."""

    code = "stock_changed"
    default_detail = _("Stock changed while it was being updated; please try again.")


class WarehouseInUse(Conflict):
    """Deleting a warehouse that holds stock rows (they protect it); deactivating it is the way."""

    code = "warehouse_in_use"
    default_detail = _("This warehouse holds stock; deactivate it instead.")

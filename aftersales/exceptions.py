"""Domain errors of after-sales requests (machine codes stay English; details are translatable)."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import Conflict, DomainError, NotFound


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_detail = _("The request cannot change to that status from its current status.")


class AfterSalesNotFound(NotFound):
    code = "after_sales_not_found"
    default_detail = _("After-sales request not found.")


class AfterSalesOrderNotFound(NotFound):
    code = "order_not_found"
    default_detail = _("Order not found.")


class AfterSalesNotAllowed(Conflict):
    """The order cannot take a request (not paid, not yet delivered for a return, refunded...)."""

    code = "after_sales_not_allowed"
    default_detail = _("This order cannot take an after-sales request.")


class AfterSalesWindowClosed(Conflict):
    code = "after_sales_window_closed"
    default_detail = _("The time for after-sales requests on this order is over.")


class AfterSalesLineInvalid(DomainError):
    """A line of another order, a line named twice, no lines, or a quantity above what is left."""

    code = "after_sales_line_invalid"
    default_detail = _("The lines or quantities of the request are not valid for this order.")


class AfterSalesLineOpen(Conflict):
    code = "after_sales_line_open"
    default_detail = _("An open request already covers a line of this order.")


class ReturnShipmentInvalid(DomainError):
    code = "return_shipment_invalid"
    default_detail = _("Carrier and tracking number are required.")


class RefundInProgress(Conflict):
    code = "refund_in_progress"
    default_detail = _("A refund of this request is already under way at the payment gateway.")


class RefundFailed(Conflict):
    code = "refund_failed"
    default_detail = _("The payment gateway refused the refund; try again or refund by hand.")

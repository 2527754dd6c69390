from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from orders.services import order_refund_gateway_register
        from payments import checks  # noqa: F401  (registers the system check)
        from payments.services import order_refund_through_gateway

        # Calling up (docs/architecture.md): staff's refund endpoint and admin action live in
        # orders, the gateway refund here.
        order_refund_gateway_register(order_refund_through_gateway)

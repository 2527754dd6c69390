from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        # Who may review a product is orders' knowledge (a buyer has a delivered order with it);
        # catalog sits below orders, so orders plugs its read in here (docs/architecture.md,
        # "Calling up"). The login cart merge is wired explicitly in shop/urls.py.
        from catalog.services import review_buyer_check_register
        from orders.queries import user_has_bought

        review_buyer_check_register(user_has_bought)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from orders.cart_session import cart_merge_on_login

        user_logged_in.connect(cart_merge_on_login, dispatch_uid="orders_cart_merge_on_login")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        # The two places where an app below orders needs orders' answer, wired from here so the
        # arrows keep pointing down (docs/architecture.md, "Calling up"): who may review a product,
        # and the guest cart that joins a user's cart at a storefront login.
        from accounts.signals import storefront_login
        from catalog.services import review_buyer_check_register
        from orders.cart_session import cart_merge_on_storefront_login
        from orders.queries import user_has_bought

        review_buyer_check_register(user_has_bought)
        storefront_login.connect(cart_merge_on_storefront_login, dispatch_uid="orders_cart_merge")

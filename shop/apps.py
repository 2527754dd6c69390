from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = _("Shop")

    def ready(self):
        from celery.signals import task_postrun, task_prerun

        from shop import db_router

        # Each task is a pin scope of its own: reads after its writes go to the primary.
        task_prerun.connect(db_router.task_scope_begin, dispatch_uid="shop_db_pin_begin")
        task_postrun.connect(db_router.task_scope_end, dispatch_uid="shop_db_pin_end")


class ShopAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the shop's site as `admin.site`: accounts' login limiter
    (accounts.admin_site) and the dashboard as its index (shop.admin_site)."""

    default = False  # named in INSTALLED_APPS; "shop" itself stays ShopConfig
    default_site = "shop.admin_site.BackOfficeSite"

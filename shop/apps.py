from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = _("Shop")


class ShopAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the shop's site as `admin.site` (see accounts.admin_site)."""

    default = False  # named in INSTALLED_APPS; "shop" itself stays ShopConfig
    default_site = "accounts.admin_site.ShopAdminSite"

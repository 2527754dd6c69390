from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts.roles import merchant_group_sync_permissions

        # Permissions of later apps exist only after their migrations ran; sync after each migrate.
        post_migrate.connect(merchant_group_sync_permissions, dispatch_uid="merchant_group_sync")

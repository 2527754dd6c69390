from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts.roles import role_groups_sync_after_migrate

        # Permissions of later apps exist only after their migrations ran: the Staff and Merchant
        # groups are synced after each migrate (and by `manage.py roles_sync`).
        post_migrate.connect(role_groups_sync_after_migrate, dispatch_uid="role_groups_sync")

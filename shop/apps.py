from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = _("Shop")

    def ready(self):
        from celery.signals import task_postrun, task_prerun

        from shop import db_router, money  # noqa: F401  (money registers its settings check)

        # Each task is a pin scope of its own: reads after its writes go to the primary.
        task_prerun.connect(db_router.task_scope_begin, dispatch_uid="shop_db_pin_begin")
        task_postrun.connect(db_router.task_scope_end, dispatch_uid="shop_db_pin_end")

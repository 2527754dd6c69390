from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"
    verbose_name = _("Recommendations")

    def ready(self):
        # The pages of catalog and orders sit below this app: they show and record through
        # catalog.suggestions, which this app fills in here (docs/architecture.md, "Calling up").
        from django.core.signals import request_finished

        from catalog.suggestions import suggestions_register
        from recommendations import providers

        suggestions_register(
            for_you=providers.for_you,
            similar=providers.similar,
            also_bought=providers.also_bought,
            for_product=providers.for_product,
            record=providers.record,
        )
        request_finished.connect(
            providers.flush_after_request, dispatch_uid="recommendations-flush"
        )

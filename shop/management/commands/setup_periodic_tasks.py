from django.core.management.base import BaseCommand

from shop.periodic import periodic_tasks_sync


class Command(BaseCommand):
    help = "Register the shop's periodic tasks with django-celery-beat (idempotent)."

    def handle(self, *args, **options):
        for name in periodic_tasks_sync():
            self.stdout.write(f"registered: {name}")

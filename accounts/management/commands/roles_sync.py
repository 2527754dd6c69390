from django.core.management.base import BaseCommand

from accounts.roles import role_groups_sync


class Command(BaseCommand):
    help = (
        "Give the Staff and Merchant groups exactly their permissions (accounts.roles). "
        "Idempotent; migrate runs it too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database, verbosity=1, **options):
        for name, count in role_groups_sync(using=database).items():
            if verbosity:
                self.stdout.write(f"{name} {count}")

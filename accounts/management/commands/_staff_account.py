"""Shared body of create_staff and create_merchant."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import staff_account_ensure


class StaffAccountCommand(BaseCommand):
    role: str = ""

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *args, username, email, password, **options):
        try:
            user, created = staff_account_ensure(
                username=username, email=email, password=password, role=self.role
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(problems) from exc
        verb = "created" if created else "updated"
        self.stdout.write(self.style.SUCCESS(f"{self.role} {user.username} {verb}"))

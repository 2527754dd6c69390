"""`manage.py changepassword` through accounts.services.user_password_set.

Django's own command saves the whole user row and leaves the user's refresh tokens valid, while a
password changed because it leaked must also end what was minted with it. The prompts and checks
are Django's; only the last step differs. This command wins over django.contrib.auth's because the
`shop` app comes before it in INSTALLED_APPS.
"""

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts.services import user_password_set

MAX_TRIES = 3


class Command(changepassword.Command):
    help = "Change a user's password and revoke the user's refresh tokens."

    def handle(self, *args, **options):
        User = get_user_model()
        username = options["username"] or getpass.getuser()
        user = (
            User._default_manager.using(options["database"])
            .filter(**{User.USERNAME_FIELD: username})
            .first()
        )
        if user is None:
            raise CommandError(f"user '{username}' does not exist")
        self.stdout.write(f"Changing password for user '{user}'")
        for _attempt in range(MAX_TRIES):
            password = self._ask()
            if password != self._ask("Password (again): "):
                self.stdout.write("Passwords do not match. Please try again.")
                continue
            try:
                validate_password(password, user)
            except ValidationError as err:
                self.stderr.write("\n".join(err.messages))
                continue
            user_password_set(user, password=password)
            self.stdout.write(f"Password changed successfully for user '{user}'")
            return
        raise CommandError(f"Aborting password change for user '{user}' after {MAX_TRIES} attempts")

    def _ask(self, prompt: str = "Password: ") -> str:
        password = getpass.getpass(prompt=prompt)
        if not password:
            raise CommandError("aborted")
        return password

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import DEFAULT_DB_ALIAS

from accounts.throttling import (
    LoginLocked,
    client_ip,
    login_attempt_allowed,
    login_failures_reset,
)


class LoginLimitedBackend(ModelBackend):
    """A password backend behind the failed-login limiter (accounts.throttling).

    Every path that authenticates with a password (API token, login page, admin login, DRF's
    browsable-API login or basic auth if ever enabled) goes through `authenticate()`, so the limit
    is enforced here once rather than by each caller: a failure is counted per (account, client
    IP) before the password is checked, a success resets the count, and a locked-out pair is
    refused even with the right password.
    Subclasses implement `check_credentials`. Every backend in AUTHENTICATION_BACKENDS must be one
    (a test checks), else it would be a door around the limiter.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None  # not a password login: nothing to count
        # Without a request (a shell, a management command) there is no client address; those
        # callers still share one count per username.
        ip = client_ip(request) if request is not None else ""
        # Counted before the check, so that parallel guesses cannot all pass a check-then-count.
        if not login_attempt_allowed(username, ip):
            raise LoginLocked
        user = self.check_credentials(username, password)
        if user is not None:
            login_failures_reset(username, ip)
        return user

    def check_credentials(self, username, password):
        return super().authenticate(None, username=username, password=password)


class UsernameOrEmailBackend(LoginLimitedBackend):
    """Log in with a username or an e-mail address (case-insensitive for e-mail)."""

    def check_credentials(self, username, password):
        User = get_user_model()
        field = "email__iexact" if "@" in username else User.USERNAME_FIELD
        try:
            # The primary's row, not a replica's: a password changed (or an account deactivated) a
            # moment ago must already count, and an account registered a moment ago must log in.
            user = User._default_manager.db_manager(DEFAULT_DB_ALIAS).get(**{field: username})
        except (User.DoesNotExist, User.MultipleObjectsReturned):
            # Spend the hashing time anyway, so response time does not reveal which usernames exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

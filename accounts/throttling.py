"""Failed-login limiter shared by every way to prove a password: the JWT token endpoint, the login
page, the admin login, and the old-password check of a password change (API and admin).

The gate sits in the authentication backend (accounts.backends): whatever calls
`django.contrib.auth.authenticate()` with a request is counted and refused while locked out, so a
new login path cannot forget it. Callers check `login_failures_exceeded` first only to answer with a
clear "too many attempts" (429 or form error) instead of a plain "wrong password".

A counter per (account, client IP) lives in the cache for LOGIN_FAILURE_WINDOW seconds from the
first failure. `cache.add` + `cache.incr` are atomic on Redis (SET NX, INCRBY keeps the TTL) and on
locmem (a lock), so concurrent guesses cannot slip past the limit, and several app servers share the
count when Redis is the cache.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle


class TooManyLoginAttempts(exceptions.Throttled):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("Too many failed login attempts. Please try again later.")
    default_code = "too_many_login_attempts"

    def __init__(self, wait: int | None = None):
        super().__init__(wait=wait, detail=str(self.default_detail), code=self.default_code)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the one the NUM_PROXIES-th proxy appended.

    NUM_PROXIES is read on every call (DRF's api_settings reloads when REST_FRAMEWORK changes), so
    a deployment's or a test's value is the one in force. Unlike DRF's own throttles, an unset
    NUM_PROXIES means REMOTE_ADDR here: DRF would then key on the raw X-Forwarded-For, which the
    client writes itself, and a new value per attempt would dodge the limiter.
    """
    remote_addr = request.META.get("REMOTE_ADDR") or ""
    if api_settings.NUM_PROXIES is None:
        return remote_addr
    return BaseThrottle().get_ident(request) or remote_addr


def login_identity(username: str) -> str:
    """What a login's failures are counted against: the account the name resolves to, by username
    (any case) or e-mail like the authentication backend, so that one account's two names share one
    count instead of doubling the guesses; a name of no account (or of several) counts by itself."""
    from django.contrib.auth import get_user_model

    name = (username or "").strip()
    if name:
        User = get_user_model()
        field = "email__iexact" if "@" in name else f"{User.USERNAME_FIELD}__iexact"
        ids = list(User._default_manager.filter(**{field: name}).values_list("pk", flat=True)[:2])
        if len(ids) == 1:
            return f"account#{ids[0]}"
    return f"name={name.lower()}"


def _key(username: str, ip: str) -> str:
    # Hashed so that any username (spaces, unicode, 10 kB of junk) makes a valid memcached/Redis key.
    raw = f"{login_identity(username)}|{ip}".encode()
    return "login-failures:" + hashlib.sha256(raw).hexdigest()


def login_failures_exceeded(username: str, ip: str) -> bool:
    return (cache.get(_key(username, ip)) or 0) >= settings.LOGIN_FAILURE_LIMIT


def login_failure_record(username: str, ip: str) -> int:
    """Count one failed attempt; returns the count in the current window."""
    key = _key(username, ip)
    window = settings.LOGIN_FAILURE_WINDOW
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:
        # The window expired between add and incr: this failure opens a new one.
        cache.add(key, 1, timeout=window)
        return 1


def login_attempt_allowed(username: str, ip: str) -> bool:
    """Count this attempt as a failure before the password is checked, and say whether it is
    within the limit; a success then resets the count (login_failures_reset).

    Counting first is what makes the limit hold under concurrency: with check-then-count, a burst
    of parallel guesses all pass the check while the (slow, by design) password hashing of the
    first ones is still running, and every one of them gets a guess.
    """
    return login_failure_record(username, ip) <= settings.LOGIN_FAILURE_LIMIT


def login_failures_reset(username: str, ip: str) -> None:
    cache.delete(_key(username, ip))


def login_check_allowed(username: str, ip: str) -> None:
    """Raise TooManyLoginAttempts while the (username, IP) pair is locked out."""
    if login_failures_exceeded(username, ip):
        raise TooManyLoginAttempts(wait=settings.LOGIN_FAILURE_WINDOW)


class LoginLocked(PermissionDenied):
    """Raised by the authentication backend for a locked-out pair: Django's authenticate() stops at
    once (no other backend is asked) and answers None."""


def password_check_limited(user, password: str, ip: str) -> bool:
    """`user.check_password` behind the limiter, keyed on the username like a login.

    For a password change's old-password check: wrong guesses there count with failed logins (and
    the reverse), so a stolen session cannot be used to guess the password at leisure.
    Raises TooManyLoginAttempts while locked out, even for the right password.
    """
    username = user.get_username()
    if not login_attempt_allowed(username, ip):
        raise TooManyLoginAttempts(wait=settings.LOGIN_FAILURE_WINDOW)
    if user.check_password(password):
        login_failures_reset(username, ip)
        return True
    return False

"""Write operations on users and addresses.

Every way in (API, pages, admin, commands) goes through these functions, so each rule lives here once.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.exceptions import (
    AccountDisabled,
    AddressNotFound,
    RefreshTokenInvalid,
    RefreshTokenNotOwned,
    WeChatCodeInvalid,
    WeChatNotConfigured,
    WeChatUnavailable,
)
from accounts.models import Address, User
from accounts.roles import ROLE_GROUPS
from accounts.throttling import password_check_limited
from core import db
from core.exceptions import DomainError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

ADDRESS_FIELDS = Address.CONTACT_FIELDS


# --- Users -------------------------------------------------------------------------------------------


@transaction.atomic
def user_set_role(user: User, *, role: str) -> User:
    """Give `user` a role and the admin access that goes with it (accounts.roles).

    staff: admin access through the Staff group; merchant: through the Merchant group; customer:
    no admin access. A role never makes anyone a superuser nor takes the flag away: that level is
    given only with `createsuperuser`, by a superuser. Groups other than the two role groups stay.
    """
    if role not in User.Role.values:
        raise ValueError(f"unknown role {role!r}")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_GROUPS.values()}
    user.role = role
    user.is_staff = role in ROLE_GROUPS
    user.save(update_fields=["role", "is_staff"])
    keep = groups.get(ROLE_GROUPS.get(role, ""))
    user.groups.remove(*[group for group in groups.values() if group != keep])
    if keep is not None:
        user.groups.add(keep)
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str | None,
    role: str = User.Role.CUSTOMER,
    phone: str = "",
    **extra: Any,
) -> User:
    """Create a user with a hashed password (or an unusable one when `password` is None)."""
    user = User(username=username, email=email, phone=phone, **extra)
    user.set_password(password) if password is not None else user.set_unusable_password()
    user.save()
    if role != User.Role.CUSTOMER:
        user_set_role(user, role=role)
    return user


def _username_taken(username: str, *, exclude_pk: int | None = None) -> bool:
    qs = User.objects.filter(username__iexact=username)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    qs = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


# The column's length (RFC 5321 caps a deliverable address at 254). Django's EmailValidator lets up
# to 320 through, which PostgreSQL would refuse with a DataError.
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
# WeChat users get `<openid>@<this domain>` as a placeholder; nobody else may claim such an address,
# or the WeChat login of that openid would collide with it.
WECHAT_EMAIL_DOMAIN = "wechat.invalid"


def _email_problems(email: str, *, exclude_pk: int | None = None) -> list[StrOrPromise]:
    """Why `email` (normalised) cannot be someone's address, as field messages; empty when it can."""
    try:
        MaxLengthValidator(EMAIL_MAX_LENGTH)(email)
    except ValidationError as exc:
        return list(exc.messages)
    if email.rpartition("@")[2].lower() == WECHAT_EMAIL_DOMAIN:
        return [
            _("Addresses at %(domain)s are reserved for WeChat accounts.")
            % {"domain": WECHAT_EMAIL_DOMAIN}
        ]
    if _email_taken(email, exclude_pk=exclude_pk):
        return [_("A user with that email address already exists.")]
    return []


def user_register(*, username: str, email: str, password: str, phone: str = "") -> User:
    """Self-registration of a shopper (API and page).

    Usernames and e-mails are compared case-insensitively, so `Alice` cannot sign up next to `alice`
    and be confused with her at login. Errors come back as a field map (django ValidationError with a
    dict), which the API and the forms both show next to the field.
    """
    email = User.objects.normalize_email(email).strip()
    errors: dict[str, list[StrOrPromise]] = {}
    if _username_taken(username):
        errors["username"] = [_("A user with that username already exists.")]
    if email_problems := _email_problems(email):
        errors["email"] = email_problems
    try:
        password_validation.validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    try:
        return user_create(username=username, email=email, password=password, phone=phone)
    except IntegrityError as exc:
        # Two sign-ups raced past the checks above; the unique constraints decided which lost.
        if User.objects.filter(email__iexact=email).exists() and not _username_taken(username):
            raise ValidationError(
                {"email": [_("A user with that email address already exists.")]}
            ) from exc
        raise ValidationError(
            {"username": [_("A user with that username already exists.")]}
        ) from exc


def user_update_profile(user: User, *, email: str | None = None, phone: str | None = None) -> User:
    """Change what a user may change about themself: e-mail and phone (never the role)."""
    fields = []
    if email is not None:
        email = User.objects.normalize_email(email).strip()
        # Unchanged, it stays valid: a WeChat user keeps the placeholder until they give a real one.
        changed = email.lower() != user.email.lower()
        if changed and (email_problems := _email_problems(email, exclude_pk=user.pk)):
            raise ValidationError({"email": email_problems})
        user.email = email
        fields.append("email")
    if phone is not None:
        user.phone = phone
        fields.append("phone")
    if fields:
        user.save(update_fields=fields)
    return user


def password_change(user: User, *, old_password: str, new_password: str, ip: str) -> User:
    """Change a password, proving knowledge of the old one first.

    The old-password check is a login attempt for the failed-login limiter (per username and
    client `ip`): wrong guesses count with failed logins, and while locked out it raises
    TooManyLoginAttempts (429) even for the right password.

    Every refresh token of the user is revoked with the old password (user_password_set), so one
    that was stolen stops minting access tokens; the caller logs in again with the new password.
    """
    if not password_check_limited(user, old_password, ip):
        raise ValidationError({"old_password": [_("Your old password was entered incorrectly.")]})
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from exc
    return user_password_set(user, password=new_password)


def user_password_set(user: User, *, password: str) -> User:
    """Store a new (already validated) password and revoke every refresh token of the user.

    The one way a password changes: the API (password_change), the admin's "change my password"
    and a user's "change password" forms (accounts.forms), staff_account_ensure and
    `manage.py changepassword` (the shop's own command) all call it, so a token stolen with the
    old password stops minting access tokens wherever the password was changed.
    """
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        user_refresh_tokens_revoke(user)
    return user


def staff_account_ensure(
    *, username: str, email: str, password: str, role: str
) -> tuple[User, bool]:
    """Create or update a merchant/staff account for operators (management commands).

    Idempotent: running it again sets the same role and password. Returns (user, created).
    """
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": list(exc.messages)}) from exc
    user = User.objects.filter(username=username).first()
    try:
        password_validation.validate_password(
            password, user or User(username=username, email=email)
        )
    except ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from exc
    if email_problems := _email_problems(email, exclude_pk=user.pk if user else None):
        raise ValidationError({"email": email_problems})
    with transaction.atomic():
        if user is None:
            return user_create(username=username, email=email, password=password, role=role), True
        user.email = email
        user.save(update_fields=["email"])
        user_password_set(user, password=password)
        user_set_role(user, role=role)
    return user, False


# --- JWT tokens --------------------------------------------------------------------------------------


def auth_tokens_for(user: User) -> dict[str, str]:
    """A fresh refresh token (recorded as outstanding, so it can be blacklisted) and its access token."""
    refresh = RefreshToken.for_user(user)
    return auth_tokens_pin({"access": str(refresh.access_token), "refresh": str(refresh)})


def auth_tokens_pin(tokens: dict[str, str]) -> dict[str, str]:
    """The client's next requests carry this new access token, which no earlier pin knows: pin it
    like any client that just wrote (core.db), so they read the primary for a while. Else
    an account registered a second ago is "not found" by a lagging replica when the token that
    was just issued for it is used."""
    db.pin_client_key("auth", f"Bearer {tokens['access']}")
    return tokens


def user_refresh_tokens_revoke(user: User) -> int:
    """Blacklist every unexpired refresh token of `user` not blacklisted yet; returns how many.

    Access tokens already issued live on until they expire (JWT_ACCESS_MINUTES): they are not
    looked up per request.
    """
    outstanding = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    ).only("pk")
    # ignore_conflicts: a concurrent refresh or logout may blacklist one of them first.
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    return len(revoked)


def _refresh_parse(raw: str) -> RefreshToken:
    try:
        # signature, expiry, type and blacklist (simplejwt annotates `token` as a Token object)
        return RefreshToken(raw)  # type: ignore[arg-type]
    except TokenError as exc:
        raise RefreshTokenInvalid() from exc


@transaction.atomic
def auth_tokens_refresh(raw_refresh: str) -> dict[str, str]:
    """Rotate a refresh token: blacklist it and hand out a new pair.

    The outstanding row is locked before the blacklist is read again, so two concurrent refreshes
    with the same token cannot both succeed; the second sees it blacklisted (401), which is how a
    stolen-and-replayed refresh token shows itself.
    """
    refresh = _refresh_parse(raw_refresh)
    jti = refresh["jti"]
    OutstandingToken.objects.select_for_update().filter(jti=jti).first()
    if BlacklistedToken.objects.filter(token__jti=jti).exists():
        raise RefreshTokenInvalid()
    user = User.objects.filter(pk=refresh.get("user_id")).first()
    if user is None or not user.is_active:
        raise RefreshTokenInvalid(_("No active account found for the given token."))
    refresh.blacklist()
    return auth_tokens_for(user)


def auth_logout(user: User, *, raw_refresh: str) -> None:
    """Blacklist the caller's refresh token, so it can never mint access tokens again.

    A bad token is the request's fault (400), not the caller's authentication (their access token
    was fine), so the client does not mistake it for "log in again".
    """
    try:
        refresh = RefreshToken(raw_refresh)  # type: ignore[arg-type]  # a str, see _refresh_parse
    except TokenError as exc:
        raise DomainError(
            _("The refresh token is invalid, expired or already revoked."),
            code="refresh_token_invalid",
        ) from exc
    if str(refresh.get("user_id")) != str(user.pk):
        raise RefreshTokenNotOwned()
    refresh.blacklist()


# --- WeChat mini-program login ----------------------------------------------------------------------


# WeChat openids are 28 URL-safe base64 characters today; the column allows 64. Anything else is
# refused before it reaches the database (a DataError) or a placeholder e-mail address.
WECHAT_OPENID_RE = re.compile(
    rf"[A-Za-z0-9_-]{{1,{User._meta.get_field('wechat_openid').max_length}}}"
)


@dataclass(frozen=True)
class WeChatLogin:
    user: User
    created: bool


def wechat_code2session(code: str) -> str:
    """Exchange a mini-program login code for the user's openid (WeChat's jscode2session).

    Any failure talking to WeChat is a 502 for the client; an answer with errcode is a bad code (400).
    """
    if not settings.WECHAT_MINI_APPID or not settings.WECHAT_MINI_SECRET:
        raise WeChatNotConfigured()
    params = {
        "appid": settings.WECHAT_MINI_APPID,
        "secret": settings.WECHAT_MINI_SECRET,
        "js_code": code,
        "grant_type": "authorization_code",
    }
    try:
        response = requests.get(
            settings.WECHAT_CODE2SESSION_URL, params=params, timeout=settings.WECHAT_TIMEOUT_SECONDS
        )
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("wechat code2session failed: %s", exc.__class__.__name__)
        raise WeChatUnavailable() from exc
    if not isinstance(data, dict):
        raise WeChatUnavailable()
    if data.get("errcode", 0) != 0:
        logger.info("wechat code2session errcode=%s", data.get("errcode"))
        raise WeChatCodeInvalid()
    openid = data.get("openid")
    if not isinstance(openid, str) or not WECHAT_OPENID_RE.fullmatch(openid):
        # Not an openid we can store (or trust as a key); WeChat answered something broken.
        logger.warning("wechat code2session returned an implausible openid")
        raise WeChatUnavailable()
    return openid


def _wechat_username() -> str:
    while True:
        username = f"wx_{secrets.token_hex(6)}"
        if not _username_taken(username):
            return username


def _wechat_user(openid: str) -> User | None:
    return User.objects.filter(wechat_openid=openid).first()


def _wechat_placeholder_email(openid: str) -> str:
    email = f"{openid}@{WECHAT_EMAIL_DOMAIN}"
    if _email_taken(email):
        # Claimed by someone before registration refused the reserved domain; the openid's owner
        # still needs an account, so theirs gets a suffix.
        email = f"{openid}.{secrets.token_hex(4)}@{WECHAT_EMAIL_DOMAIN}"
    return email


def _wechat_login_of(user: User, *, created: bool) -> WeChatLogin:
    if not user.is_active:
        raise AccountDisabled()
    return WeChatLogin(user=user, created=created)


def user_login_wechat(*, code: str) -> WeChatLogin:
    """Find or create the customer behind a WeChat mini-program login code.

    The user gets an unusable password (they log in through WeChat only) and a placeholder e-mail
    under the reserved `wechat.invalid` domain, which nobody else may register.
    """
    openid = wechat_code2session(code)
    user = _wechat_user(openid)
    if user is not None:
        return _wechat_login_of(user, created=False)
    try:
        with transaction.atomic():
            user = user_create(
                username=_wechat_username(),
                email=_wechat_placeholder_email(openid),
                password=None,
                wechat_openid=openid,
            )
    except IntegrityError:
        # The same openid logged in twice at once and the other request created the user. Any
        # other conflict (username, e-mail) is not that race and is not papered over here.
        user = _wechat_user(openid)
        if user is None:
            raise
        return _wechat_login_of(user, created=False)
    return WeChatLogin(user=user, created=True)


# --- Addresses ---------------------------------------------------------------------------------------


def _address_for(user: User, address_id: int, *, lock: bool = False) -> Address:
    qs = Address.objects.filter(user=user)
    if lock:
        qs = qs.select_for_update()
    address = qs.filter(pk=address_id).first()
    if address is None:
        # Someone else's address is "not found", not "forbidden": ids are not an oracle.
        raise AddressNotFound()
    return address


def _lock_user(user: User) -> None:
    # Serialises address writes of one user, so two requests cannot both make "the first address"
    # or leave two defaults behind.
    User.objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def address_create(user: User, *, is_default: bool = False, **fields: Any) -> Address:
    """Add an address. The first one becomes the default; a new default replaces the old one."""
    _lock_user(user)
    has_any = Address.objects.filter(user=user).exists()
    make_default = is_default or not has_any
    if make_default:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
    data = {name: value for name, value in fields.items() if name in ADDRESS_FIELDS}
    return Address.objects.create(user=user, is_default=make_default, **data)


@transaction.atomic
def address_update(
    user: User, *, address_id: int, is_default: bool | None = None, **fields: Any
) -> Address:
    """Change an address. Making it the default clears the old default in the same transaction.

    Un-defaulting the only default is ignored: a user with addresses always has exactly one default.
    """
    _lock_user(user)
    address = _address_for(user, address_id, lock=True)
    for name, value in fields.items():
        if name in ADDRESS_FIELDS:
            setattr(address, name, value)
    if is_default and not address.is_default:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
        address.is_default = True
    address.save()
    return address


@transaction.atomic
def address_set_default(user: User, *, address_id: int) -> Address:
    return address_update(user, address_id=address_id, is_default=True)


@transaction.atomic
def address_delete(user: User, *, address_id: int) -> None:
    """Delete an address; when it was the default, the most recent other address takes over."""
    _lock_user(user)
    address = _address_for(user, address_id, lock=True)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(user=user).order_by("-created_at", "-pk").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default", "updated_at"])

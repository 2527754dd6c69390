"""Reads of users and addresses."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Address, User


def address_list(user: User) -> QuerySet[Address]:
    """A user's address book, default first, then the most recent."""
    return Address.objects.filter(user=user).order_by("-is_default", "-created_at", "-pk")


def address_get(user: User, address_id: int | str) -> Address | None:
    """One of the user's own addresses, or None (someone else's address is never returned)."""
    try:
        return address_list(user).get(pk=int(address_id))
    except (Address.DoesNotExist, TypeError, ValueError):
        return None


def user_by_login(login: str) -> User | None:
    """The user a login form means: by username, or by e-mail (case-insensitive) when it has an @."""
    if not login:
        return None
    field = "email__iexact" if "@" in login else "username"
    return User.objects.filter(**{field: login}).first()


def staff_users_with_email() -> QuerySet[User]:
    """Active staff accounts that have an e-mail address (who gets operational mail)."""
    return User.objects.filter(role=User.Role.STAFF, is_active=True).exclude(email="")

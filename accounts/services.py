"""Write operations on users and addresses."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User
from accounts.roles import MERCHANT_GROUP


@transaction.atomic
def user_set_role(user: User, role: str) -> User:
    """Give `user` a role and the admin access that goes with it.

    staff: superuser in the admin. merchant: admin access through the merchant group's permissions.
    customer: no admin access.
    """
    if role not in User.Role.values:
        raise ValueError(f"unknown role {role!r}")
    merchant_group, _ = Group.objects.get_or_create(name=MERCHANT_GROUP)
    user.role = role
    user.is_staff = role in (User.Role.STAFF, User.Role.MERCHANT)
    user.is_superuser = role == User.Role.STAFF
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    if role == User.Role.MERCHANT:
        user.groups.add(merchant_group)
    else:
        user.groups.remove(merchant_group)
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str | None,
    role: str = User.Role.CUSTOMER,
    phone: str = "",
    **extra,
) -> User:
    """Create a user with a hashed password (or an unusable one when `password` is None)."""
    user = User(username=username, email=email, phone=phone, **extra)
    user.set_password(password) if password is not None else user.set_unusable_password()
    user.save()
    if role != User.Role.CUSTOMER:
        user_set_role(user, role)
    return user

"""Who may do what, by role. Roles live on the user (accounts.User.Role)."""

from django.http import HttpRequest
from rest_framework import exceptions, permissions
from rest_framework.request import Request

from accounts.models import User
from core.api.permissions import ReadOpenPermission


def signed_in_user(request: HttpRequest | Request) -> User:
    """The user of a request that IsAuthenticated let through, as the shop's User (a guest here is
    a 401, never a query run for AnonymousUser)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise exceptions.NotAuthenticated()
    return user


def is_staff_user(user) -> bool:
    return bool(
        user and user.is_authenticated and (user.is_superuser or user.role == User.Role.STAFF)
    )


def is_merchant_or_staff(user) -> bool:
    return bool(
        user and user.is_authenticated and (is_staff_user(user) or user.role == User.Role.MERCHANT)
    )


class IsStaffRole(permissions.BasePermission):
    def has_permission(self, request, view):
        return is_staff_user(request.user)


class IsMerchantOrStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return is_merchant_or_staff(request.user)


class ReadOnlyOrMerchant(ReadOpenPermission):
    """Anyone reads; merchants and staff write."""

    def may_write(self, user) -> bool:
        return is_merchant_or_staff(user)


class ReadOnlyOrStaff(ReadOpenPermission):
    """Anyone reads; staff write."""

    def may_write(self, user) -> bool:
        return is_staff_user(user)

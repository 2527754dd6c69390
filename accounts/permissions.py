"""Who may do what, by role. Roles live on the user (accounts.User.Role)."""

from rest_framework import permissions

from accounts.models import User
from core.api.permissions import ReadOpenPermission


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

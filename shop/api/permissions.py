"""Who may do what, by role. Roles live on the user (accounts.User.Role)."""

from rest_framework import permissions


def is_staff_user(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == "staff"))


def is_merchant_or_staff(user) -> bool:
    return bool(user and user.is_authenticated and (is_staff_user(user) or user.role == "merchant"))


class IsStaffRole(permissions.BasePermission):
    def has_permission(self, request, view):
        return is_staff_user(request.user)


class IsMerchantOrStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return is_merchant_or_staff(request.user)


class ReadOnlyOrMerchant(permissions.BasePermission):
    """Anyone reads; merchants and staff write."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return is_merchant_or_staff(request.user)


class ReadOnlyOrStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return is_staff_user(request.user)

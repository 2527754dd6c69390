"""Permission plumbing the schema needs to know about; who may do what by role is accounts'
(accounts.permissions)."""

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView


class ReadOpenPermission(permissions.BasePermission):
    """Anyone reads (GET, HEAD, OPTIONS); `may_write(user)` decides everything else.

    The schema (core.api.schema) relies on it: such a permission never answers 403 to a read.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return self.may_write(request.user)

    def may_write(self, user: Any) -> bool:
        """Subclasses say who may write; this base lets nobody."""
        return False

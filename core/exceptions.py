"""Domain errors: a business rule said no.

Services raise these; the API's exception handler turns them into `{"code", "detail"}` with the
status below, and pages show `detail` as a message. `code` is a stable machine code in English.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    code = "domain_error"
    default_detail = _("The request breaks a rule of the shop.")

    def __init__(
        self, detail: Any = None, *, code: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        self.detail = detail if detail is not None else self.default_detail
        if code is not None:
            self.code = code
        # Machine-readable context for clients, e.g. which lines are short of stock.
        self.extra = extra or {}
        super().__init__(str(self.detail))


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    default_detail = _("Not found.")


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"
    default_detail = _("You may not do this.")


class Conflict(DomainError):
    """The request is valid, but the current state of the data does not allow it."""

    status_code = 409
    code = "conflict"
    default_detail = _("The current state does not allow this.")

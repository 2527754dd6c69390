"""One exception handler for the whole API: the error format of DESIGN.md.

Validation errors keep DRF's field map (`{"field": ["message"]}`); every other error answers
`{"code": "<machine_code>", "detail": "<message>"}`.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": str(exc.detail), **exc.extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or isinstance(exc, exceptions.ValidationError):
        return response
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        detail = exc.detail
        # simplejwt's token errors carry a dict ({"detail", "code", "messages"}): keep its own
        # message and code, not the dict's repr.
        if isinstance(detail, dict) and "detail" in detail:
            code = str(detail.get("code") or code)
            detail = detail["detail"]
        response.data = {"code": code, "detail": str(detail)}
        if isinstance(exc, exceptions.Throttled):
            wait = exc.wait  # type: ignore[attr-defined]  # DRF sets it; drf-stubs lack it
            if wait is not None:
                response.data["retry_after"] = int(wait)
    return response


def error_response(
    code: str, detail: str, http_status: int = status.HTTP_400_BAD_REQUEST
) -> Response:
    return Response({"code": code, "detail": detail}, status=http_status)

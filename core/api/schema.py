"""The OpenAPI schema's error responses, described once for the whole API.

Every view can answer with errors no single view thinks of: a malformed JSON body (400), a bad or
expired bearer token (401, even where anonymous access is allowed), a missing permission or CSRF
token (403), an unknown id or page (404), an unsupported content type (415), a throttle (429).
`AutoSchema` adds these to each operation where the view's own configuration makes them possible,
so the schema tells clients the truth without every view repeating it, and gives each error
response the body the exception handler really sends (core/api/exceptions.py).
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import authentication, permissions, serializers

from core.api.permissions import ReadOpenPermission

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BODY_METHODS = {"POST", "PUT", "PATCH"}
OPEN_PERMISSIONS: tuple[type[permissions.BasePermission], ...] = (
    permissions.AllowAny,
    permissions.IsAuthenticated,
    permissions.IsAuthenticatedOrReadOnly,
)
# Open to reads by anyone, e.g. accounts.permissions.ReadOnlyOrMerchant.
READ_OPEN_PERMISSIONS = (ReadOpenPermission,)


class ErrorSerializer(serializers.Serializer[Any]):
    """The error body of DESIGN.md: a stable machine code and a message for people."""

    code = serializers.CharField()
    detail = serializers.CharField()


# DRF's field map: each field (or non_field_errors) maps to its messages, or to the errors of a
# nested object or list of objects.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Field errors: each field name maps to a list of messages "
    "(or to the errors of a nested object).",
    "additionalProperties": {"anyOf": [{"type": "array", "items": {}}, {"type": "object"}]},
}

_GENERIC_DESCRIPTIONS = {
    "400": "Invalid input: a field map of validation errors, or {code, detail}.",
    "401": "Missing, invalid or expired credentials: {code, detail}.",
    "403": "Not allowed: {code, detail}.",
    "404": "Not found: {code, detail}.",
    "415": "Unsupported content type: {code, detail}.",
    "429": "Too many requests: {code, detail, retry_after}.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._possible_error_codes(operation):
            responses.setdefault(code, {"description": _GENERIC_DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code.startswith("4"):
                self._describe_error_body(code, response)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _possible_error_codes(self, operation: dict[str, Any]) -> list[str]:
        view = self.view
        query = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
        has_body = "requestBody" in operation
        authenticators = view.get_authenticators()
        codes: list[str] = []
        # Any body may be malformed JSON; any query parameter may fail validation.
        if has_body or self.method in BODY_METHODS or query:
            codes.append("400")
        if authenticators:
            codes.append("401")
        # These never answer 403: with a bearer authenticator first, "not logged in" is a 401.
        open_permissions = OPEN_PERMISSIONS
        if self.method in permissions.SAFE_METHODS:
            open_permissions += READ_OPEN_PERMISSIONS
        restricted = not all(isinstance(p, open_permissions) for p in view.get_permissions())
        csrf = self.method in UNSAFE_METHODS and any(
            isinstance(a, authentication.SessionAuthentication) for a in authenticators
        )
        if restricted or csrf:
            codes.append("403")
        if "{" in self.path or any(p["name"] == "page" for p in query):
            codes.append("404")
        if has_body:
            codes.append("415")
        if view.get_throttles():
            codes.append("429")
        return codes

    def _describe_error_body(self, code: str, response: dict[str, Any]) -> None:
        """Give an error response the real error body unless the view described a special one."""
        error_ref = self._component_ref("Error")
        content = response.get("content")
        if content:
            schemas = [media.get("schema") for media in content.values()]
            if any(schema != error_ref for schema in schemas):
                return
        schema = error_ref
        if code == "400":
            # A serializer answers with the field map; a parse error or a domain rule with
            # {code, detail}.
            schema = {"anyOf": [error_ref, self._component_ref("ValidationError")]}
        response["content"] = {"application/json": {"schema": schema}}

    def _component_ref(self, name: str) -> dict[str, Any]:
        if name == "Error":
            return self.resolve_serializer(ErrorSerializer, "response").ref
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            object=name,
            schema=VALIDATION_ERROR_SCHEMA,
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        # Django's unicode slug regex uses Python's \w, which takes any letter (e.g. "t恤"); the
        # same pattern in the schema is read as ECMA-262, where \w is ASCII only. No pattern is
        # truer than a wrong one.
        if isinstance(field, serializers.SlugField) and field.allow_unicode:
            schema.pop("pattern", None)

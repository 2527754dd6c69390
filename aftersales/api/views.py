"""After-sales endpoints: thin views over aftersales.services and aftersales.queries."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import is_staff_user, signed_in_user
from aftersales import services
from aftersales.api.serializers import (
    EventSerializer,
    NoteSerializer,
    ReceiveSerializer,
    RequestCreateSerializer,
    RequestSerializer,
    ShipBackSerializer,
)
from aftersales.exceptions import AfterSalesNotFound
from aftersales.models import AfterSalesRequest
from aftersales.queries import request_events, request_list
from core.exceptions import PermissionDenied

ERROR = OpenApiResponse(description='Domain error: {"code", "detail"}')
STATUS_PARAM = OpenApiParameter(
    "status",
    str,
    enum=AfterSalesRequest.Status.values,
    required=False,
    description="Only requests in this status.",
)


class AfterSalesViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[AfterSalesRequest]
):
    """A customer's own requests (staff: everyone's); another customer's request is a 404."""

    serializer_class = RequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list[Any] = []
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return AfterSalesRequest.objects.none()
        wanted = self.request.query_params.get("status") if self.action == "list" else None
        if wanted and wanted not in AfterSalesRequest.Status.values:
            wanted = "-"  # an unknown status matches nothing
        return request_list(signed_in_user(self.request), status=wanted or None)

    def get_object(self) -> AfterSalesRequest:
        found = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if found is None:
            raise AfterSalesNotFound()
        return found

    def _answer(self, request_obj: AfterSalesRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = request_list(self.request.user).get(pk=request_obj.pk)
        return Response(RequestSerializer(fresh, context={"request": self.request}).data, code)

    def _noted(self, target: AfterSalesRequest, service: Any) -> Response:
        """An action whose only input is an optional note: cancel, approve, reject."""
        body = NoteSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        done = service(target, actor=signed_in_user(self.request), note=body.validated_data["note"])
        return self._answer(done)

    def _own(self) -> AfterSalesRequest:
        found = self.get_object()
        if found.user_id != self.request.user.pk:
            raise PermissionDenied()
        return found

    def _staff(self) -> AfterSalesRequest:
        found = self.get_object()
        if not is_staff_user(self.request.user):
            raise PermissionDenied()
        return found

    @extend_schema(parameters=[STATUS_PARAM])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={
            "application/json": RequestCreateSerializer,
            "multipart/form-data": RequestCreateSerializer,
        },
        responses={201: RequestSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
        description="Open a request on lines of your own paid order. 404 `order_not_found`; "
        "409 `after_sales_not_allowed` (not paid, refunded, or a return before delivery), "
        "`after_sales_window_closed` (AFTER_SALES_DAYS after delivery), `after_sales_line_open` "
        "(an open request already covers a line); 400 `after_sales_line_invalid` (a line of "
        "another order, or more units than bought minus claimed), `refund_invalid` (nothing left "
        "to refund). Photos: up to 3 images, field errors on `photos`.",
    )
    def create(self, request: Request) -> Response:
        serializer = RequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = services.aftersales_request_create(
            signed_in_user(request),
            order_number=data["order_number"],
            kind=data["kind"],
            lines=data["lines"],
            reason=data["reason"],
            description=data["description"],
            photos=data["photos"],
        )
        return self._answer(created, status.HTTP_201_CREATED)

    @extend_schema(responses={200: EventSerializer(many=True), 404: ERROR}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request: Request, pk: str | None = None) -> Response:
        events = request_events(self.get_object())
        return Response(EventSerializer(events, many=True).data)

    @extend_schema(
        request=NoteSerializer,
        responses={200: RequestSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
        description="Owner: withdraw a request while `requested` (409 `invalid_transition`).",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._noted(self._own(), services.aftersales_request_cancel)

    @extend_schema(
        request=ShipBackSerializer,
        responses={200: RequestSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        description="Owner: the goods of an approved return were sent back (409 "
        "`invalid_transition` otherwise; 400 `return_shipment_invalid` for a blank carrier or "
        "number).",
    )
    @action(detail=True, methods=["post"], url_path="ship-back")
    def ship_back(self, request: Request, pk: str | None = None) -> Response:
        target = self._own()
        body = ShipBackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = services.aftersales_request_ship_back(
            target, actor=signed_in_user(request), **body.validated_data
        )
        return self._answer(done)

    @extend_schema(
        request=NoteSerializer,
        responses={200: RequestSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
        description="Staff: approve a `requested` request (409 `invalid_transition`).",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._noted(self._staff(), services.aftersales_request_approve)

    @extend_schema(
        request=NoteSerializer,
        responses={200: RequestSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
        description="Staff: reject a `requested` request with a note (409 `invalid_transition`).",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._noted(self._staff(), services.aftersales_request_reject)

    @extend_schema(
        request=ReceiveSerializer,
        responses={200: RequestSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        description="Staff: the goods of a `returned` request arrived; per line restock (a "
        "`return` stock movement) or write off. Lines not named are written off. 400 "
        "`after_sales_line_invalid` for a line not in the request.",
    )
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        target = self._staff()
        body = ReceiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        done = services.aftersales_request_receive(
            target,
            restock={line["order_line_id"]: line["restock"] for line in data["lines"]},
            actor=signed_in_user(request),
            note=data["note"],
        )
        return self._answer(done)

    @extend_schema(
        request=None,
        responses={
            200: RequestSerializer,
            400: ERROR,
            403: ERROR,
            404: ERROR,
            409: ERROR,
        },
        description="Staff: pay `refund_amount` back through the gateway that took the payment "
        "(an approved refund-only request or a received return). When the gateway settles at "
        "once the request is `refunded` and the order's payment_status follows; a refund the "
        "gateway leaves pending settles later. 409 `invalid_transition`, `refund_in_progress`, "
        "`refund_failed` (the gateway refused), `payment_not_refundable`; 400 `refund_invalid` "
        "(more than is left of the payment), `gateway_disabled`, `gateway_unavailable`. A gateway that "
        "does not answer leaves the refund pending (reconciliation settles it).",
    )
    @action(detail=True, methods=["post"])
    def refund(self, request: Request, pk: str | None = None) -> Response:
        done = services.aftersales_request_refund(self._staff(), actor=signed_in_user(request))
        return self._answer(done)

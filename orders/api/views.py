"""Cart and order endpoints: thin views over orders.services and orders.queries."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import is_merchant_or_staff, signed_in_user
from core.exceptions import NotFound, PermissionDenied
from orders import services
from orders.api.serializers import (
    CartItemAddSerializer,
    CartItemUpdateSerializer,
    CartMergeSerializer,
    CartSerializer,
    OrderCancelSerializer,
    OrderCreateSerializer,
    OrderEventSerializer,
    OrderRefundSerializer,
    OrderSerializer,
    OrderShipSerializer,
    StatisticsQuerySerializer,
    StatisticsSerializer,
)
from orders.cart_session import remember_cart_token, request_cart_token
from orders.models import Cart, Order
from orders.permissions import user_may_refund
from orders.queries import cart_existing, cart_view, order_events, order_list, order_statistics

CART_TOKEN_HEADER = OpenApiParameter(
    "X-Cart-Token",
    OpenApiTypes.UUID,
    OpenApiParameter.HEADER,
    required=False,
    description="Guest cart token from an earlier cart answer (ignored for logged-in users).",
)
ERROR = OpenApiResponse(description='Domain error: {"code", "detail"}')


def _existing_cart(request) -> Cart | None:
    """The request's cart without creating one (reads must not create rows)."""
    return cart_existing(user=request.user, token=request_cart_token(request))


def _cart_response(cart, http_status=status.HTTP_200_OK) -> Response:
    return Response(CartSerializer(cart_view(cart)).data, status=http_status)


class CartView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[CART_TOKEN_HEADER], responses=CartSerializer, tags=["cart"])
    def get(self, request):
        return _cart_response(_existing_cart(request))

    # The emptied cart comes back (200), not the 204 spectacular assumes for a DELETE.
    @extend_schema(
        parameters=[CART_TOKEN_HEADER], request=None, responses={200: CartSerializer}, tags=["cart"]
    )
    def delete(self, request):
        cart = _existing_cart(request)
        if cart is not None:
            services.cart_clear(cart)
        return _cart_response(cart)


class CartItemsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[CART_TOKEN_HEADER],
        request=CartItemAddSerializer,
        responses={201: CartSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
        tags=["cart"],
        description="Add units of a variant (an existing line grows). Creates a guest cart if "
        "needed; keep the returned token. 409 `insufficient_stock` gives `available`.",
    )
    def post(self, request):
        serializer = CartItemAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # One transaction: a refused add (stock, inactive, unknown variant) must not leave a new
        # empty cart behind, whose token a guest would never even learn from the error answer.
        with transaction.atomic():
            cart = services.cart_get_or_create(user=request.user, token=request_cart_token(request))
            services.cart_item_add(cart, **serializer.validated_data)
        if cart.user_id is None:
            remember_cart_token(request, cart.token)
        return _cart_response(cart, status.HTTP_201_CREATED)


class CartItemView(APIView):
    permission_classes = [permissions.AllowAny]

    def _cart_or_404(self, request) -> Cart:
        cart = _existing_cart(request)
        if cart is None:
            raise NotFound(code="cart_item_not_found")
        return cart

    @extend_schema(
        parameters=[CART_TOKEN_HEADER],
        request=CartItemUpdateSerializer,
        responses={200: CartSerializer, 400: ERROR, 404: ERROR, 409: ERROR},
        tags=["cart"],
    )
    def patch(self, request, item_id: int):
        serializer = CartItemUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cart = self._cart_or_404(request)
        services.cart_item_update(cart, item_id=item_id, **serializer.validated_data)
        return _cart_response(cart)

    @extend_schema(
        parameters=[CART_TOKEN_HEADER],
        request=None,
        responses={200: CartSerializer, 404: ERROR},
        tags=["cart"],
    )
    def delete(self, request, item_id: int):
        cart = self._cart_or_404(request)
        services.cart_item_remove(cart, item_id=item_id)
        return _cart_response(cart)


class CartMergeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=CartMergeSerializer,
        responses={200: CartSerializer, 404: ERROR},
        tags=["cart"],
        description="Move a guest cart into the user's cart (quantities add, capped at stock); "
        "the guest cart is deleted.",
    )
    def post(self, request):
        serializer = CartMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cart = services.cart_merge(request.user, token=serializer.validated_data["token"])
        return _cart_response(cart)


class OrderFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Order.Status.choices)
    payment_status = filters.ChoiceFilter(choices=Order.PaymentStatus.choices)
    created_after = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Order
        fields = ["status", "payment_status"]


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Retry-safe placement: the same key from the same user with the same body "
    "(address_id, shipping_address, coupon_code, payment_method, notes) returns the first order "
    "(200 with `Idempotent-Replayed: true`; 201 when placed now), never a second one. The same key "
    "with a different body is 409 `idempotency_key_reused`. A key must be 1 to 128 printable "
    "ASCII characters, else 400 `idempotency_key_invalid`.",
)

REPLAYED_HEADER = OpenApiParameter(
    "Idempotent-Replayed",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    enum=["true"],
    description="Present on a replay: the order was placed by an earlier request with this key.",
)


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Orders of the current user (staff: all), looked up by their number.

    serializer_class = OrderSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "number"
    lookup_value_regex = r"[0-9A-Za-z_-]{6,32}"
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "total"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        user = self.request.user
        if self.action == "ship" and is_merchant_or_staff(user):
            # Merchants fulfil every order, though they only list their own purchases.
            return Order.objects.all()
        if self.action == "refund" and user_may_refund(user):
            # A merchant given `orders.can_refund` refunds any order, like staff.
            return Order.objects.all()
        return order_list(signed_in_user(self.request))

    @extend_schema(
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER, REPLAYED_HEADER],
        responses={
            201: OrderSerializer,
            200: OpenApiResponse(
                OrderSerializer,
                description="Replay of an Idempotency-Key with the same body "
                "(header `Idempotent-Replayed: true`).",
            ),
            400: ERROR,
            404: ERROR,
            409: ERROR,
        },
        description="Place an order from the user's cart. Prices come from the database; any "
        "price in the body is ignored. 409 `insufficient_stock` lists the short lines; 409 "
        "`idempotency_key_reused` when an Idempotency-Key comes back with a different body; 400 "
        "`idempotency_key_invalid` for a malformed key; 400 `quantity_invalid` names a cart line "
        "above the per-line maximum.",
    )
    def create(self, request):
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        cart = services.cart_get_or_create(user=request.user)
        order = services.order_place(
            request.user,
            cart=cart,
            address_id=data.get("address_id"),
            shipping_address=data.get("shipping_address"),
            coupon_code=data["coupon_code"],
            payment_method=data["payment_method"],
            notes=data["notes"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        replay = getattr(order, "idempotent_replay", False)
        order = order_list(request.user).get(pk=order.pk)
        response = Response(
            OrderSerializer(order).data,
            status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED,
        )
        if replay:
            response["Idempotent-Replayed"] = "true"
        return response

    def _answer(self, order: Order) -> Response:
        fresh = Order.objects.prefetch_related("lines", "shipments").get(pk=order.pk)
        return Response(OrderSerializer(fresh).data)

    @extend_schema(
        request=OrderCancelSerializer, responses={200: OrderSerializer, 404: ERROR, 409: ERROR}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, number=None):
        serializer = OrderCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.order_cancel(
            self.get_object(), actor=request.user, reason=serializer.validated_data["reason"]
        )
        return self._answer(order)

    @extend_schema(responses=OrderEventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request, number=None):
        events = order_events(self.get_object())
        return Response(OrderEventSerializer(events, many=True).data)

    @extend_schema(
        request=OrderShipSerializer,
        responses={200: OrderSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    @action(detail=True, methods=["post"])
    def ship(self, request, number=None):
        if not is_merchant_or_staff(request.user):
            raise PermissionDenied()
        serializer = OrderShipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.order_ship(
            self.get_object(), actor=request.user, **serializer.validated_data
        )
        return self._answer(order)

    @extend_schema(request=None, responses={200: OrderSerializer, 404: ERROR, 409: ERROR})
    @action(detail=True, methods=["post"], url_path="confirm-receipt")
    def confirm_receipt(self, request, number=None):
        order = get_object_or_404(Order, number=number, user=request.user)
        return self._answer(services.order_deliver(order, actor=request.user))

    @extend_schema(
        request=OrderRefundSerializer,
        responses={200: OrderSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        description="Staff, or a merchant given the `orders.can_refund` permission (else 403): "
        "a full or partial refund through the gateway that took the payment. "
        "When the gateway settles it at once the answer shows the new payment_status "
        "(`partially_refunded` or `refunded`); otherwise it settles on the gateway's refund notify "
        "or on reconciliation. 400 `refund_invalid` above what is left to refund; 409 "
        "`payment_not_refundable` when no gateway payment of the order can be refunded; 502 "
        "`gateway_error` when the gateway did not answer (the refund stays pending).",
    )
    @action(detail=True, methods=["post"])
    def refund(self, request, number=None):
        if not user_may_refund(request.user):
            raise PermissionDenied()
        serializer = OrderRefundSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.order_refund_request(
            self.get_object(), actor=request.user, **serializer.validated_data
        )
        return self._answer(order)

    @extend_schema(
        parameters=[StatisticsQuerySerializer], responses=StatisticsSerializer, filters=False
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def statistics(self, request):
        query = StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stats = order_statistics(request.user, **query.validated_data)
        return Response(StatisticsSerializer(stats).data)

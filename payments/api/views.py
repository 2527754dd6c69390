"""Payment endpoints: thin views over payments.services and payments.queries."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound
from orders.queries import order_list
from payments import services
from payments.api.serializers import PayAnswerSerializer, PaymentSerializer, PayRequestSerializer
from payments.queries import payment_list

ERROR = OpenApiResponse(description='Domain error: {"code", "detail"}')


class PayView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=PayRequestSerializer,
        responses={
            201: PayAnswerSerializer,
            200: PayAnswerSerializer,
            400: ERROR,
            404: ERROR,
            409: ERROR,
            502: ERROR,
        },
        description="Start paying one of your pending orders. 201 with a new payment, 200 when "
        "an open payment of the same gateway and channel is reused (never two live payments). "
        "400 `gateway_disabled` / `gateway_unavailable` / `channel_invalid` / "
        "`wechat_openid_required` / `wechat_openid_mismatch`; 409 "
        "`order_not_payable` (not pending, or its payment time ran out); 502 `gateway_error`.",
        tags=["payments"],
    )
    def post(self, request, number: str):
        serializer = PayRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = order_list(request.user).filter(user=request.user, number=number).first()
        if order is None:
            raise NotFound(code="order_not_found")
        start = services.payment_create(
            order,
            gateway=data["gateway"],
            channel=data["channel"],
            actor=request.user,
            return_url=data["return_url"],
            client_ip=request.META.get("REMOTE_ADDR", ""),
            payer_openid=data["openid"],
        )
        payment = start.payment
        answer = {
            "payment_id": payment.pk,
            "id": payment.pk,
            "gateway": payment.gateway,
            "channel": payment.channel,
            "out_trade_no": payment.out_trade_no,
            "status": payment.status,
            "amount": payment.amount,
            "order_number": order.number,
            "client": start.client,
        }
        for key in ("pay_url", "code_url", "jsapi_params"):
            if key in start.client:
                answer[key] = start.client[key]
        return Response(
            PayAnswerSerializer(answer).data,
            status=status.HTTP_201_CREATED if start.created else status.HTTP_200_OK,
        )


class PaymentDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: PaymentSerializer, 404: ERROR}, tags=["payments"])
    def get(self, request, pk: int):
        payment = payment_list(request.user).filter(pk=pk).first()
        if payment is None:
            raise NotFound(code="payment_not_found")
        return Response(PaymentSerializer(payment).data)


# Notifies are plain Django views: the providers sign the raw body (re-parsed JSON or form data
# would not verify), send no CSRF token and no credentials, and expect their own reply format.


@csrf_exempt
@require_POST
def notify(request: HttpRequest, gateway: str) -> HttpResponse:
    return services.payment_notify_handle(gateway, request)


@csrf_exempt
@require_POST
def refund_notify(request: HttpRequest, gateway: str) -> HttpResponse:
    return services.refund_notify_handle(gateway, request)

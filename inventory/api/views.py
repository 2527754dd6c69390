"""The inventory API: merchants and staff only. Every stock change goes through inventory.services."""

from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.deletion import ProtectedError
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsMerchantOrStaff, is_merchant_or_staff, is_staff_user
from core.money import money
from inventory import services
from inventory.api import serializers as s
from inventory.api.filters import MovementFilter, StockFilter
from inventory.exceptions import WarehouseInUse
from inventory.models import Stock, StockAlert, StockMovement, Warehouse

ERROR = OpenApiResponse(description="Domain error: {code, detail}")


class MerchantReadsStaffWrites(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return is_merchant_or_staff(request.user)
        return is_staff_user(request.user)


def stocks_queryset():
    # `available` is a property of Stock; the serializer reads it, no annotation needed.
    return Stock.objects.select_related("variant", "warehouse")


@extend_schema(tags=["inventory"])
class WarehouseViewSet(viewsets.ModelViewSet):
    """Merchants read; staff create, change and delete (a warehouse holding stock cannot be deleted:
    deactivate it instead)."""

    serializer_class = s.WarehouseSerializer
    permission_classes = [MerchantReadsStaffWrites]
    queryset = Warehouse.objects.order_by("priority", "code", "pk")
    filter_backends = []

    def perform_create(self, serializer):
        serializer.instance = services.warehouse_save(Warehouse(**serializer.validated_data))

    def perform_update(self, serializer):
        # Through the service: deactivating a warehouse changes which products are in stock.
        warehouse = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(warehouse, name, value)
        services.warehouse_save(warehouse, fields=serializer.validated_data.keys())

    @extend_schema(responses={204: None, 409: ERROR})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except ProtectedError as exc:
            raise WarehouseInUse() from exc


@extend_schema(tags=["inventory"])
class StockViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.StockSerializer
    permission_classes = [IsMerchantOrStaff]
    filterset_class = StockFilter
    ordering_fields = ["id", "quantity", "quantity_allocated", "updated_at"]
    ordering = ["variant_id", "warehouse__priority", "pk"]

    def get_queryset(self):
        return stocks_queryset()


@extend_schema(tags=["inventory"])
class StockAdjustView(APIView):
    permission_classes = [IsMerchantOrStaff]

    @extend_schema(
        request=s.StockAdjustSerializer,
        responses={
            200: s.StockSerializer,
            400: OpenApiResponse(description="Field errors"),
            409: ERROR,
        },
        description="Change on-hand units with a reason; never below the allocated units "
        "(409 `stock_below_allocated`). Writes one ledger row. Answers the updated stock row.",
    )
    def post(self, request):
        serializer = s.StockAdjustSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        stock = services.stock_adjust(
            data["variant"],
            warehouse=data["warehouse"],
            delta=data["quantity_change"],
            reason=data["reason"],
            actor=request.user,
            note=data["note"],
        )
        return Response(s.StockSerializer(stocks_queryset().get(pk=stock.pk)).data)


@extend_schema(tags=["inventory"])
class StockMovementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.MovementSerializer
    permission_classes = [IsMerchantOrStaff]
    filterset_class = MovementFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    queryset = StockMovement.objects.select_related("stock", "user")


@extend_schema(tags=["inventory"])
class LowStockViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Open low-stock alerts, out-of-stock first, with their stock rows."""

    serializer_class = s.StockAlertSerializer
    permission_classes = [IsMerchantOrStaff]
    filter_backends = []

    def get_queryset(self):
        return (
            StockAlert.objects.filter(resolved_at__isnull=True)
            .select_related("stock__variant", "stock__warehouse")
            .order_by("-level", "raised_at", "pk")
        )


@extend_schema(tags=["inventory"])
class InventorySummaryView(generics.GenericAPIView):
    permission_classes = [IsMerchantOrStaff]
    serializer_class = s.InventorySummarySerializer

    def get(self, request):
        totals = Stock.objects.aggregate(
            variants_tracked=Count("variant_id", distinct=True),
            stock_rows=Count("pk"),
            units_on_hand=Coalesce(Sum("quantity"), 0),
            units_allocated=Coalesce(Sum("quantity_allocated"), 0),
            stock_value=Coalesce(
                Sum(
                    ExpressionWrapper(
                        F("quantity") * F("variant__cost_price"),
                        output_field=DecimalField(max_digits=None, decimal_places=2),
                    )
                ),
                Decimal("0"),
                output_field=DecimalField(max_digits=None, decimal_places=2),
            ),
        )
        alerts = StockAlert.objects.filter(resolved_at__isnull=True).aggregate(
            alerts_low=Count("pk", filter=Q(level=StockAlert.Level.LOW)),
            alerts_out=Count("pk", filter=Q(level=StockAlert.Level.OUT)),
        )
        totals["units_available"] = totals["units_on_hand"] - totals["units_allocated"]
        totals["stock_value"] = money(totals["stock_value"])
        return Response(
            s.InventorySummarySerializer({**totals, **alerts}).data, status=status.HTTP_200_OK
        )

from django.urls import path
from rest_framework.routers import SimpleRouter

from inventory.api import views

router = SimpleRouter()
router.register("warehouses", views.WarehouseViewSet, basename="warehouse")
router.register("inventory/stocks", views.StockViewSet, basename="stock")
router.register("inventory/movements", views.StockMovementViewSet, basename="stock-movement")
router.register("inventory/low-stock", views.LowStockViewSet, basename="low-stock")

urlpatterns = [
    path("inventory/adjust/", views.StockAdjustView.as_view(), name="inventory-adjust"),
    path("inventory/summary/", views.InventorySummaryView.as_view(), name="inventory-summary"),
    *router.urls,
]

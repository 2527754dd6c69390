from django.urls import path
from rest_framework.routers import SimpleRouter

from orders.api import views

router = SimpleRouter()
router.register("orders", views.OrderViewSet, basename="order")

urlpatterns = [
    path("cart/", views.CartView.as_view(), name="cart"),
    path("cart/items/", views.CartItemsView.as_view(), name="cart-items"),
    path("cart/items/<int:item_id>/", views.CartItemView.as_view(), name="cart-item"),
    path("cart/merge/", views.CartMergeView.as_view(), name="cart-merge"),
    *router.urls,
]

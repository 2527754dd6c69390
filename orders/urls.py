from django.urls import URLPattern, URLResolver, path, re_path

from orders import views

app_name = "orders"

# Order numbers use the API's lookup alphabet (orders.api.views.OrderViewSet.lookup_value_regex).
NUMBER = r"(?P<number>[0-9A-Za-z_-]{6,32})"

urlpatterns: list[URLPattern | URLResolver] = [
    path("cart/", views.cart_page, name="cart"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/coupon/", views.cart_coupon, name="cart-coupon"),
    path("cart/items/<int:item_id>/", views.cart_item_update, name="cart-item-update"),
    path("cart/items/<int:item_id>/remove/", views.cart_item_remove, name="cart-item-remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list_page, name="list"),
    re_path(rf"^orders/{NUMBER}/$", views.order_detail, name="detail"),
    re_path(rf"^orders/{NUMBER}/cancel/$", views.order_cancel, name="cancel"),
    re_path(
        rf"^orders/{NUMBER}/confirm-receipt/$",
        views.order_confirm_receipt,
        name="confirm-receipt",
    ),
]

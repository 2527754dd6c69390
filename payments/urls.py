from django.urls import path, re_path

from payments import views

app_name = "payments"

# Order numbers: the API's lookup alphabet (orders.urls.NUMBER).
NUMBER = r"(?P<number>[0-9A-Za-z_-]{6,32})"

urlpatterns = [
    # Only WeChat's out_trade_no alphabet reaches the view: a NUL (%00) in the path would be a 500
    # on PostgreSQL, anything else longer or stranger cannot be a trade of ours.
    re_path(
        r"^payments/sandbox/(?P<out_trade_no>[A-Za-z0-9_\-]{6,32})/$",
        views.sandbox_page,
        name="sandbox",
    ),
    # The shopper's pay flow from the order page (the storefront's side of the pay endpoint).
    re_path(rf"^orders/{NUMBER}/pay/$", views.order_pay, name="order-pay"),
    re_path(rf"^orders/{NUMBER}/payment/$", views.order_pay_return, name="order-return"),
    path("payments/<int:pk>/qr/", views.payment_qr, name="qr"),
]

from django.urls import re_path

from payments import views

app_name = "payments"

urlpatterns = [
    # Only WeChat's out_trade_no alphabet reaches the view: a NUL (%00) in the path would be a 500
    # on PostgreSQL, anything else longer or stranger cannot be a trade of ours.
    re_path(
        r"^payments/sandbox/(?P<out_trade_no>[A-Za-z0-9_\-]{6,32})/$",
        views.sandbox_page,
        name="sandbox",
    ),
]

from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("payments/sandbox/<str:out_trade_no>/", views.sandbox_page, name="sandbox"),
]

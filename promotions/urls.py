from django.urls import path

from promotions import views

app_name = "promotions"

urlpatterns = [
    path("account/coupons/", views.my_coupons, name="my-coupons"),
    path("account/coupons/<int:pk>/claim/", views.coupon_claim, name="claim"),
]

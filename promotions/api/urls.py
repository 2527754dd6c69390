from django.urls import path

from promotions.api import views

urlpatterns = [
    path("coupons/available/", views.AvailableCouponList.as_view(), name="coupon-available"),
    path("coupons/mine/", views.MyCouponList.as_view(), name="coupon-mine"),
    path("coupons/<int:pk>/claim/", views.CouponClaim.as_view(), name="coupon-claim"),
]

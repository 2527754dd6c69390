from django.urls import path

from aftersales import views

app_name = "aftersales"

urlpatterns = [
    path("after-sales/", views.request_list_page, name="list"),
    path("after-sales/new/<str:order_number>/", views.request_new, name="new"),
    path("after-sales/<int:pk>/", views.request_detail, name="detail"),
    path("after-sales/<int:pk>/cancel/", views.request_cancel, name="cancel"),
    path("after-sales/<int:pk>/ship-back/", views.request_ship_back, name="ship-back"),
]

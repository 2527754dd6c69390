from django.urls import path, re_path

from aftersales import views

app_name = "aftersales"

# An order number as orders/urls.py has it: anything else (a NUL byte included) is a 404.
ORDER_NUMBER = r"(?P<order_number>[0-9A-Za-z_-]{6,32})"

urlpatterns = [
    path("after-sales/", views.request_list_page, name="list"),
    re_path(rf"^after-sales/new/{ORDER_NUMBER}/$", views.request_new, name="new"),
    path("after-sales/<int:pk>/", views.request_detail, name="detail"),
    path("after-sales/<int:pk>/cancel/", views.request_cancel, name="cancel"),
    path("after-sales/<int:pk>/ship-back/", views.request_ship_back, name="ship-back"),
]

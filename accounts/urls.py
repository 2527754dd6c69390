from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("addresses/", views.address_list, name="addresses"),
    path("addresses/new/", views.address_edit, name="address-add"),
    path("addresses/<int:pk>/edit/", views.address_edit, name="address-edit"),
    path("addresses/<int:pk>/delete/", views.address_delete, name="address-delete"),
    path("addresses/<int:pk>/default/", views.address_set_default, name="address-default"),
]

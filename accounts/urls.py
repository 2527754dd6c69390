from django.urls import path

from accounts import views

app_name = "accounts"


def account_urls(*, after_login: views.AfterLogin | None = None):
    """The account pages, for `include()`. `after_login(request, user)` runs right after a
    storefront login or registration: the project passes orders' guest-cart merge (shop/urls.py),
    since accounts sits below orders and cannot call it itself."""
    patterns = [
        path("", views.profile, name="profile"),
        path("login/", views.LoginView.as_view(after_login=after_login), name="login"),
        path("logout/", views.LogoutView.as_view(), name="logout"),
        path("register/", views.register, {"after_login": after_login}, name="register"),
        path("addresses/", views.address_list, name="addresses"),
        path("addresses/new/", views.address_edit, name="address-add"),
        path("addresses/<int:pk>/edit/", views.address_edit, name="address-edit"),
        path("addresses/<int:pk>/delete/", views.address_delete, name="address-delete"),
        path("addresses/<int:pk>/default/", views.address_set_default, name="address-default"),
    ]
    return patterns, app_name


# The pages without a hook (a project that has no cart to merge).
urlpatterns = account_urls()[0]

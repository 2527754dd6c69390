"""The shop's URLs plus views that fail, for the error page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from shop.urls import handler500  # noqa: F401 - the error handlers go with the URLs
from shop.urls import urlpatterns as shop_urlpatterns


def boom(request):
    raise RuntimeError("boom")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [path("boom/", boom), path("forbidden/", forbidden), *shop_urlpatterns]

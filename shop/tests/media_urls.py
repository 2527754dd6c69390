"""The project's URLs plus uploaded media, for browser tests (the live server serves static files
but not media, which production leaves to the web server or object storage)."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from shop.urls import urlpatterns as shop_urlpatterns


def media(request, path):
    # MEDIA_ROOT read per request: each test has its own folder (conftest._isolated).
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [re_path(r"^media/(?P<path>.*)$", media), *shop_urlpatterns]

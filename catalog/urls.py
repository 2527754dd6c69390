from django.urls import path, re_path

from catalog import views

app_name = "catalog"

# Slugs may be Unicode (allow_unicode) but never hold a slash or NUL (PostgreSQL refuses NUL).
SLUG = r"(?P<slug>[^/\x00]+)"

urlpatterns = [
    path("", views.home, name="home"),
    re_path(rf"^c/{SLUG}/$", views.category_detail, name="category"),
    path("search/", views.search, name="search"),
    re_path(rf"^p/{SLUG}/$", views.product_detail, name="product"),
    re_path(rf"^p/{SLUG}/review/$", views.review_create, name="review-create"),
]

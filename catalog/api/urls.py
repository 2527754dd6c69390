from django.urls import path
from rest_framework.routers import SimpleRouter

from catalog.api.views import CategoryViewSet, HomeView, ProductViewSet

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")

urlpatterns = [
    path("home/", HomeView.as_view(), name="home"),
    *router.urls,
]

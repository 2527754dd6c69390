from rest_framework.routers import SimpleRouter

from aftersales.api import views

router = SimpleRouter()
router.register("after-sales", views.AfterSalesViewSet, basename="after-sales")

urlpatterns = [*router.urls]

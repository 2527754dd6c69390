from django.urls import URLPattern, URLResolver, path

from payments.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    # orders' router claims only its own actions under orders/<number>/; this one falls through.
    path("orders/<str:number>/pay/", views.PayView.as_view(), name="order-pay"),
    path("payments/<int:pk>/", views.PaymentDetailView.as_view(), name="payment-detail"),
    # docs/api.md's paths (the ones registered with the providers) ...
    path("payments/<slug:gateway>/notify/", views.notify, name="payments-notify"),
    path(
        "payments/<slug:gateway>/refund-notify/",
        views.refund_notify,
        name="payments-refund-notify",
    ),
    # ... and the same handlers under notify/<gateway>/ (the spelling).
    path("payments/notify/<slug:gateway>/", views.notify),
    path("payments/notify/<slug:gateway>/refund/", views.refund_notify),
]

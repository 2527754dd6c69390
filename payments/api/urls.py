from django.urls import URLPattern, URLResolver, path, re_path

from payments.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    # orders' router claims only its own actions under orders/<number>/; this one falls through.
    # The order numbers orders' router accepts: a NUL (%00) in the path would be a 500 on PostgreSQL.
    re_path(
        r"^orders/(?P<number>[0-9A-Za-z_-]{6,32})/pay/$", views.PayView.as_view(), name="order-pay"
    ),
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

from django.urls import path

from recommendations import views

app_name = "recommendations"

urlpatterns = [
    path("account/favourites/", views.favourites, name="favourites"),
    path("favourites/<int:product_id>/toggle/", views.favourite_toggle, name="favourite-toggle"),
    path("account/history/", views.history, name="history"),
    path("account/history/clear/", views.history_clear, name="history-clear"),
]

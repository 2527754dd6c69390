"""Read-only views of behaviour and favourites for staff (services own every write)."""

from django.contrib import admin

from recommendations.models import BehaviourEvent, Favourite


@admin.register(BehaviourEvent)
class BehaviourEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "product", "user", "visitor", "weight"]
    list_filter = ["kind"]
    list_select_related = ["product", "user"]
    raw_id_fields = ["product", "user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Favourite)
class FavouriteAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "product", "price_at_like"]
    list_select_related = ["product", "user"]
    raw_id_fields = ["product", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

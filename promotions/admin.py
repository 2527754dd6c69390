from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import EditedFieldsAdminMixin
from promotions import queries
from promotions.models import CouponTemplate, UserCoupon


@admin.register(CouponTemplate)
class CouponTemplateAdmin(EditedFieldsAdminMixin, admin.ModelAdmin):
    # claimed_count belongs to coupon_claim/coupon_restore: an edit never writes it, and the model's
    # check "total >= claimed" runs against the locked row's count, not the one the form read.
    locked_fields = ("claimed_count",)
    list_display = [
        "name",
        "code",
        "kind",
        "value",
        "max_discount",
        "min_spend",
        "valid_from",
        "valid_to",
        "total_quantity",
        "claimed_count",
        "used",
        "is_active",
    ]
    list_filter = ["is_active", "kind", "valid_to", "category"]
    search_fields = ["name", "code"]
    readonly_fields = ["claimed_count", "created_at"]
    date_hierarchy = "valid_from"
    actions = ["activate", "deactivate"]

    def get_queryset(self, request):
        return queries.coupon_templates_with_counts()

    @admin.display(description=_("used"), ordering="used_count")
    def used(self, obj) -> int:
        return obj.used_count

    @admin.action(description=_("Activate selected coupon templates"))
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description=_("Deactivate selected coupon templates"))
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)

    def _set_active(self, request, queryset, active: bool):
        # .update() on the annotated queryset would group; filter by pk on a plain one instead.
        count = CouponTemplate.objects.filter(pk__in=queryset.values("pk")).update(is_active=active)
        self.message_user(
            request,
            ngettext("%d coupon template updated.", "%d coupon templates updated.", count) % count,
            messages.SUCCESS,
        )


@admin.register(UserCoupon)
class UserCouponAdmin(admin.ModelAdmin):
    """Read-only: coupons are issued, used and given back only through promotions.services, so
    the template's claimed_count and the orders stay consistent."""

    list_display = ["template", "user", "status", "claimed_at", "used_at", "order"]
    list_filter = ["status", "template"]
    search_fields = ["template__code", "template__name", "user__username", "user__email"]
    list_select_related = ["template", "user", "order"]
    readonly_fields = ["user", "template", "status", "claimed_at", "used_at", "order"]
    date_hierarchy = "claimed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

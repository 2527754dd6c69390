from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.admin import OutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import services
from accounts.forms import UserPasswordSetForm
from accounts.models import Address, User
from core.admin import EditedFieldsAdminMixin


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = [
        "full_name",
        "phone",
        "province",
        "city",
        "district",
        "street",
        "postal_code",
        "is_default",
    ]
    readonly_fields = ["is_default"]  # changed through the address admin, which keeps one default

    def has_add_permission(self, request, obj=None):
        # A new address goes through address_create (first one becomes the default).
        return False


@admin.register(User)
class UserAdmin(EditedFieldsAdminMixin, DjangoUserAdmin):
    # An edit writes only the edited fields: is_staff/is_superuser belong to user_set_role and the
    # password to the password services, which may have committed since the form was read.
    list_display = ["username", "email", "phone", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "email", "phone", "wechat_openid"]
    ordering = ["-date_joined"]
    inlines = [AddressInline]
    change_password_form = UserPasswordSetForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "phone", "avatar")}),
        (_("Shop"), {"fields": ("role", "wechat_openid")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": _(
                    "Admin access follows the role: staff get the Staff group, merchants the "
                    "Merchant group, customers no admin access. Only a superuser makes another."
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ["is_staff", "is_superuser", "last_login", "date_joined"]

    # Superusers are a superuser's matter: staff hold every permission on users, but may only view
    # a superuser (no edit, no password change, no delete) and never grant the flag (read-only).
    def _superuser_matter(self, request, obj) -> bool:
        return obj is not None and obj.is_superuser and not request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return not self._superuser_matter(request, obj) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return not self._superuser_matter(request, obj) and super().has_delete_permission(
            request, obj
        )

    def get_deleted_objects(self, objs, request):
        # The bulk "delete selected" action asks only the model-wide permission: a superuser in
        # the selection makes it refuse, as a missing permission does.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if not request.user.is_superuser and any(obj.is_superuser for obj in objs):
            perms_needed = {*perms_needed, str(_("superuser"))}
        return deleted, model_count, perms_needed, protected

    def delete_inline(self, request, obj):
        # Through the service: when the default goes, another address takes over.
        services.address_delete(obj.user, address_id=obj.pk)

    def save_related(self, request, form, formsets, change):
        # The role decides is_staff and the role group; user_set_role keeps them in step, as the
        # management commands do. It runs after the form saved its group list, which would
        # otherwise drop the role group again. Only when the role changed, so that editing a
        # `createsuperuser` account (role customer) does not take its admin access away.
        super().save_related(request, form, formsets, change)
        if not change or "role" in form.changed_data:
            services.user_set_role(form.instance, role=form.instance.role)


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["full_name", "user", "phone", "province", "city", "is_default", "created_at"]
    list_filter = ["is_default", "province"]
    search_fields = ["full_name", "phone", "user__username", "user__email", "street"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]

    # A superuser's addresses are a superuser's matter too (as in UserAdmin): staff may view them,
    # not change or delete one, nor add one for a superuser.
    def _superuser_matter(self, request, obj) -> bool:
        return obj is not None and obj.user.is_superuser and not request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return not self._superuser_matter(request, obj) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return not self._superuser_matter(request, obj) and super().has_delete_permission(
            request, obj
        )

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if not request.user.is_superuser and any(obj.user.is_superuser for obj in objs):
            perms_needed = {*perms_needed, str(_("superuser"))}
        return deleted, model_count, perms_needed, protected

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(is_superuser=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # An address stays with its user (address_update and the default rule work on one user's
        # addresses); a new one is entered for the other user instead.
        if obj is not None:
            return [*super().get_readonly_fields(request, obj), "user"]
        return super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.ADDRESS_FIELDS}
        if change:
            # Only what was edited: address_update applies it to the locked fresh row, so a
            # default moved elsewhere meanwhile (address_set_default) is not taken back.
            edited = {name: data[name] for name in form.changed_data if name in data}
            if "is_default" in form.changed_data:
                edited["is_default"] = form.cleaned_data["is_default"]
            saved = services.address_update(obj.user, address_id=obj.pk, **edited)
        else:
            saved = services.address_create(
                form.cleaned_data["user"], is_default=form.cleaned_data["is_default"], **data
            )
        obj.pk = saved.pk
        obj.is_default = saved.is_default

    def delete_model(self, request, obj):
        services.address_delete(obj.user, address_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for address in queryset.select_related("user"):
            services.address_delete(address.user, address_id=address.pk)


class TokenHiddenOutstandingTokenAdmin(OutstandingTokenAdmin):
    """simplejwt's outstanding-token admin without the token itself: its change page showed each
    live refresh token in full, so anyone who may view the table (every staff member) could copy
    a superuser's and act as them through the API. jti, user and dates say all a person needs
    (revoke with the user's password change or the logout endpoint)."""

    fields = ("jti", "user", "created_at", "expires_at")

    def get_readonly_fields(self, request, obj=None):
        return list(self.fields)


admin.site.unregister(OutstandingToken)
admin.site.register(OutstandingToken, TokenHiddenOutstandingTokenAdmin)

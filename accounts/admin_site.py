"""The admin site: Django's, with its password doors behind the shop's failed-login limiter."""

from django.contrib import admin
from django.contrib.auth.views import PasswordChangeView
from django.urls import reverse

from accounts.forms import AdminLoginForm, AdminPasswordChangeForm


class _PasswordChangeView(PasswordChangeView):
    form_class = AdminPasswordChangeForm

    def get_form_kwargs(self):
        # The limiter keys on the client address, which the form reads from the request.
        return {**super().get_form_kwargs(), "request": self.request}


class ShopAdminSite(admin.AdminSite):
    # A locked-out username + IP gets "too many attempts" on the login page; the authentication
    # backend refuses it in any case.
    login_form = AdminLoginForm

    def password_change(self, request, extra_context=None):
        """Django's view with a form whose old-password check counts with failed logins."""
        request.current_app = self.name
        defaults = {
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        return _PasswordChangeView.as_view(**defaults)(request)

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Address, User
from accounts.throttling import (
    client_ip,
    login_failure_record,
    login_failures_exceeded,
    login_failures_reset,
)

TOO_MANY_ATTEMPTS = "too_many_login_attempts"


class LoginForm(AuthenticationForm):
    """Django's login form, with username-or-email and the same failure limiter as the API."""

    username = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        if login_failures_exceeded(username, ip):
            raise ValidationError(
                _("Too many failed login attempts. Please try again later."),
                code=TOO_MANY_ATTEMPTS,
            )
        try:
            cleaned = super().clean()
        except ValidationError as exc:
            if exc.code == "invalid_login":
                login_failure_record(username, ip)
            raise
        login_failures_reset(username, ip)
        return cleaned

    @property
    def throttled(self) -> bool:
        return any(e.code == TOO_MANY_ATTEMPTS for e in self.errors.as_data().get("__all__", []))


class RegisterForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=User._meta.get_field("username").validators,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=services.EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two password fields didn’t match."))
        return cleaned

    def save(self) -> User:
        """Register through the service; its field errors land on this form's fields."""
        data = self.cleaned_data
        try:
            return services.user_register(
                username=data["username"], email=data["email"], password=data["password1"]
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error("password1" if field == "password" else field, messages)
            raise


class ProfileForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=services.EMAIL_MAX_LENGTH)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        kwargs.setdefault("initial", {"email": user.email, "phone": user.phone})
        super().__init__(*args, **kwargs)

    def save(self) -> User:
        try:
            return services.user_update_profile(self.user, **self.cleaned_data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field, messages)
            raise


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = [*services.ADDRESS_FIELDS, "is_default"]

    def save_for(self, user: User) -> Address:
        data = self.cleaned_data
        if self.instance.pk:
            return services.address_update(user, self.instance.pk, **data)
        return services.address_create(user, **data)

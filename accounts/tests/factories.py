import factory
from django.contrib.auth.models import Group

from accounts.models import Address, User
from accounts.roles import MERCHANT_GROUP, STAFF_GROUP

DEFAULT_PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    role = User.Role.CUSTOMER

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class MerchantFactory(UserFactory):
    role = User.Role.MERCHANT
    is_staff = True

    @factory.post_generation
    def merchant_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get_or_create(name=MERCHANT_GROUP)[0])


class StaffFactory(UserFactory):
    """A staff member as create_staff makes one: the Staff group, not a superuser."""

    role = User.Role.STAFF
    is_staff = True

    @factory.post_generation
    def staff_group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get_or_create(name=STAFF_GROUP)[0])


class SuperuserFactory(UserFactory):
    """As `createsuperuser` makes one (role customer, flags set)."""

    is_staff = True
    is_superuser = True


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    full_name = "张三"
    phone = "13800000000"
    province = "浙江省"
    city = "杭州市"
    district = "西湖区"
    street = "文三路 100 号"
    postal_code = "310000"


def email_of_length(length: int) -> str:
    """A syntactically valid address of exactly `length` characters (64-char local part, labels of
    at most 63), for probing the 254-character column."""
    local = "a" * 64
    labels, room = [], length - len(local) - 1 - len(".com")
    while room > 0:
        label = min(63, room)
        if room - label == 1:  # a lone dot cannot be a label: leave two characters for the next one
            label -= 1
        labels.append("b" * label)
        room -= label + 1
    email = f"{local}@{'.'.join(labels)}.com"
    assert len(email) == length, (len(email), length)
    return email

import pytest

from accounts import services
from accounts.models import Address
from accounts.tests.factories import AddressFactory
from core.testing.state import db_state

pytestmark = pytest.mark.django_db

URL = "/api/v1/addresses/"

NEW = {
    "full_name": "李雷",
    "phone": "13811112222",
    "province": "广东省",
    "city": "深圳市",
    "district": "南山区",
    "street": "科技园 1 号",
    "postal_code": "518000",
}


def defaults(user):
    return list(Address.objects.filter(user=user, is_default=True).values_list("pk", flat=True))


def test_first_address_becomes_default_and_the_next_does_not(user_client, user):
    first = user_client.post(URL, NEW)
    assert first.status_code == 201
    assert first.json()["is_default"] is True
    assert first.json()["country"] == "CN"
    second = user_client.post(URL, {**NEW, "full_name": "韩梅梅"})
    assert second.json()["is_default"] is False
    assert defaults(user) == [first.json()["id"]]


def test_creating_a_new_default_clears_the_old_one(user_client, user):
    old = user_client.post(URL, NEW).json()
    new = user_client.post(URL, {**NEW, "is_default": True}).json()
    assert new["is_default"] is True
    assert defaults(user) == [new["id"]]
    assert user_client.get(f"{URL}{old['id']}/").json()["is_default"] is False


def test_patch_is_default_moves_the_default(user_client, user):
    first = services.address_create(user, **NEW)
    second = services.address_create(user, **NEW)
    response = user_client.patch(f"{URL}{second.pk}/", {"is_default": True})
    assert response.status_code == 200
    assert defaults(user) == [second.pk]
    first.refresh_from_db()
    assert first.is_default is False


def test_the_only_default_cannot_be_unset(user_client, user):
    only = services.address_create(user, **NEW)
    user_client.patch(f"{URL}{only.pk}/", {"is_default": False})
    assert defaults(user) == [only.pk]


def test_deleting_the_default_promotes_the_most_recent_other(user_client, user):
    default = services.address_create(user, **NEW)
    older = services.address_create(user, **NEW)
    newer = services.address_create(user, **NEW)
    assert defaults(user) == [default.pk]
    assert user_client.delete(f"{URL}{default.pk}/").status_code == 204
    assert defaults(user) == [newer.pk]
    assert Address.objects.filter(pk=older.pk, is_default=False).exists()


def test_deleting_a_non_default_keeps_the_default(user_client, user):
    default = services.address_create(user, **NEW)
    other = services.address_create(user, **NEW)
    user_client.delete(f"{URL}{other.pk}/")
    assert defaults(user) == [default.pk]


def test_list_shows_only_own_addresses_default_first(user_client, user, other_user):
    services.address_create(other_user, **NEW)
    mine_default = services.address_create(user, **NEW)
    mine_other = services.address_create(user, **{**NEW, "city": "广州市"})
    body = user_client.get(URL).json()
    assert body["count"] == 2
    assert [a["id"] for a in body["results"]] == [mine_default.pk, mine_other.pk]
    assert set(body["results"][0]) >= {
        "id",
        "full_name",
        "phone",
        "country",
        "province",
        "city",
        "district",
        "street",
        "postal_code",
        "is_default",
    }


@pytest.mark.parametrize(
    "method,data",
    [("get", None), ("patch", {"city": "X"}), ("put", NEW), ("delete", None)],
)
def test_someone_elses_address_is_404_and_untouched(user_client, other_user, method, data):
    theirs = services.address_create(other_user, **NEW)
    before = db_state()
    response = getattr(user_client, method)(f"{URL}{theirs.pk}/", data)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.city == NEW["city"]
    assert db_state() == before


def test_addresses_need_login(api_client, user):
    before = db_state()
    assert api_client.get(URL).status_code == 401
    assert api_client.post(URL, NEW).status_code == 401
    assert db_state() == before


def test_validation_errors_are_field_maps(user, user_client):
    mine = services.address_create(user, **NEW)
    before = db_state()
    response = user_client.post(URL, {"full_name": ""})
    assert response.status_code == 400
    assert {"full_name", "phone", "province", "city", "street"} <= set(response.json())
    response = user_client.patch(f"{URL}{mine.pk}/", {"phone": "", "city": "Elsewhere"})
    assert response.status_code == 400
    assert db_state() == before


def test_non_numeric_id_is_404(user_client):
    assert user_client.get(f"{URL}abc/").status_code == 404


def test_list_query_count_is_constant(user_client, user, django_assert_max_num_queries):
    AddressFactory.create_batch(5, user=user)
    with django_assert_max_num_queries(4):
        assert user_client.get(URL).status_code == 200


def test_service_refuses_other_users_address(user, other_user):
    from core.exceptions import NotFound

    theirs = services.address_create(other_user, **NEW)
    with pytest.raises(NotFound):
        services.address_delete(user, address_id=theirs.pk)
    with pytest.raises(NotFound):
        services.address_update(user, address_id=theirs.pk, city="X")
    assert Address.objects.filter(pk=theirs.pk).exists()

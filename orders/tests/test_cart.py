import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD
from core.testing.state import db_state
from orders import services
from orders.models import Cart, CartItem
from orders.tests.helpers import ADDRESS

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart/"
ITEMS = "/api/v1/cart/items/"
MERGE = "/api/v1/cart/merge/"


def add(client, variant, quantity=1, **headers):
    return client.post(ITEMS, {"variant_id": variant.pk, "quantity": quantity}, **headers)


def token_header(token):
    return {"HTTP_X_CART_TOKEN": str(token)}


# --- Guest carts ------------------------------------------------------------------------------------------


def test_guest_cart_by_token_header(api_client, make_variant):
    variant = make_variant(price="12.50", stock=10)
    response = add(api_client, variant, 2)
    assert response.status_code == 201
    token = response.data["token"]
    assert uuid.UUID(token)

    fresh = type(api_client)()  # a mobile client: no cookies, only the header
    response = add(fresh, variant, 3, **token_header(token))
    assert response.status_code == 201
    assert response.data["token"] == token
    [line] = response.data["items"]
    assert line["quantity"] == 5  # added to the existing line
    assert (line["unit_price"], line["line_total"]) == ("12.50", "62.50")
    assert (line["variant_id"], line["sku"], line["available"], line["problem"]) == (
        variant.pk,
        variant.sku,
        True,
        None,
    )
    assert line["product_name"] == variant.product.name
    assert line["variant_name"] == variant.name
    assert line["image"] is None
    assert (response.data["total_items"], response.data["subtotal"]) == (5, "62.50")
    assert CartItem.objects.count() == 1

    answer = fresh.get(CART, **token_header(token)).data
    assert (answer["token"], answer["total_items"]) == (token, 5)


def test_no_token_means_an_empty_cart_and_no_row(api_client):
    answer = api_client.get(CART, **token_header("not-a-uuid")).data
    assert answer == {
        "token": None,
        "items": [],
        "total_items": 0,
        "subtotal": "0.00",
        "problem": None,
    }
    assert not Cart.objects.exists()


def test_page_visitor_keeps_cart_in_session(make_variant):
    browser = Client()
    variant = make_variant()
    token = browser.post(
        ITEMS, {"variant_id": variant.pk, "quantity": 1}, "application/json"
    ).json()["token"]
    assert browser.session["cart_token"] == token
    assert browser.get(CART).json()["total_items"] == 1


def test_prices_shown_are_current(api_client, make_variant):
    variant = make_variant(price="10.00")
    token = add(api_client, variant, 2).data["token"]
    variant.price = Decimal("11.00")
    variant.save()
    answer = api_client.get(CART, **token_header(token)).data
    assert (answer["items"][0]["unit_price"], answer["subtotal"]) == ("11.00", "22.00")


def test_cart_answer_query_count(api_client, make_variant, django_assert_max_num_queries):
    token = None
    for _ in range(5):
        token = add(api_client, make_variant(), 1, **token_header(token or "")).data["token"]
    # session, cart, items with variant and product, images, availability, hidden categories
    with django_assert_max_num_queries(6):
        answer = api_client.get(CART, **token_header(token)).data
    assert answer["total_items"] == 5


# --- Rules on add and change -----------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [0, -1, 100, "many"])
def test_quantity_out_of_range_is_400(api_client, make_variant, quantity):
    variant = make_variant(stock=200)
    before = db_state()
    response = api_client.post(ITEMS, {"variant_id": variant.pk, "quantity": quantity})
    assert response.status_code == 400
    assert "quantity" in response.data
    assert db_state() == before  # not even an empty guest cart


def test_line_total_above_maximum_is_400(user, user_client, make_variant):
    variant = make_variant(stock=200)
    assert add(user_client, variant, 98).status_code == 201
    response = add(user_client, variant, 2)
    assert response.status_code == 400
    assert response.data["code"] == "quantity_invalid"
    assert CartItem.objects.get().quantity == 98
    assert add(user_client, variant, 1).status_code == 201  # 99 is the maximum, allowed


def test_maximum_follows_the_setting(settings, user_client, make_variant):
    settings.CART_MAX_LINE_QUANTITY = 3
    variant = make_variant()
    before = db_state()
    assert add(user_client, variant, 4).status_code == 400
    assert db_state() == before


def test_more_than_available_is_409_with_available(user_client, make_variant):
    variant = make_variant(stock=4)
    before = db_state()
    response = add(user_client, variant, 5)
    assert response.status_code == 409
    assert (response.data["code"], response.data["available"]) == ("insufficient_stock", 4)
    assert db_state() == before
    assert add(user_client, variant, 3).status_code == 201
    before = db_state()
    response = add(user_client, variant, 2)  # 3 + 2 > 4
    assert (response.status_code, response.data["available"]) == (409, 4)
    assert CartItem.objects.get().quantity == 3
    assert db_state() == before


@pytest.mark.parametrize("reason", ["stock", "inactive", "unknown"])
def test_refused_guest_add_leaves_no_cart_behind(api_client, make_variant, reason):
    variant = make_variant(stock=1)
    if reason == "inactive":
        variant.is_active = False
        variant.save()
    before = db_state()
    body = {"variant_id": variant.pk if reason != "unknown" else 999999, "quantity": 2}
    if reason != "stock":
        body["quantity"] = 1
    response = api_client.post(ITEMS, body)
    assert response.status_code in (404, 409), response.data
    assert db_state() == before
    assert "cart_token" not in api_client.session


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"variant_id": 999999, "quantity": 1}, 404, "variant_not_found"),
        ({"variant_id": "x", "quantity": 1}, 400, None),
        ({"quantity": 1}, 400, None),
    ],
)
def test_unknown_variant(user, user_client, fill_cart, body, status, code):
    fill_cart(user)
    before = db_state()
    response = user_client.post(ITEMS, body)
    assert response.status_code == status
    if code:
        assert response.data["code"] == code
    assert db_state() == before


@pytest.mark.parametrize("what", ["variant", "product"])
def test_inactive_variant_cannot_be_added(user_client, make_variant, what):
    variant = make_variant()
    target = variant if what == "variant" else variant.product
    target.is_active = False
    target.save()
    before = db_state()
    response = add(user_client, variant)
    assert (response.status_code, response.data["code"]) == (409, "variant_inactive")
    assert db_state() == before


def test_variant_that_became_inactive_is_flagged(user, user_client, make_variant):
    gone, fine = make_variant(price="5.00"), make_variant(price="7.00")
    add(user_client, gone, 1)
    add(user_client, fine, 1)
    gone.is_active = False
    gone.save()
    items = {i["variant_id"]: i for i in user_client.get(CART).data["items"]}
    assert (items[gone.pk]["available"], items[gone.pk]["problem"]) == (False, "inactive")
    assert (items[fine.pk]["available"], items[fine.pk]["problem"]) == (True, None)


def test_stock_shortage_is_flagged(user, user_client, make_variant, place, other_user):
    variant = make_variant(stock=3)
    add(user_client, variant, 3)
    place(other_user, (variant, 2))
    [line] = user_client.get(CART).data["items"]
    assert (line["problem"], line["available_quantity"]) == ("insufficient_stock", 1)


def test_patch_and_delete_lines(user, user_client, make_variant):
    variant = make_variant(stock=5)
    item_id = add(user_client, variant, 1).data["items"][0]["id"]
    response = user_client.patch(f"{ITEMS}{item_id}/", {"quantity": 4})
    assert (response.status_code, response.data["total_items"]) == (200, 4)
    before = db_state()
    response = user_client.patch(f"{ITEMS}{item_id}/", {"quantity": 6})
    assert (response.status_code, response.data["available"]) == (409, 5)
    assert user_client.patch(f"{ITEMS}{item_id}/", {"quantity": 0}).status_code == 400
    assert db_state() == before
    response = user_client.delete(f"{ITEMS}{item_id}/")
    assert (response.status_code, response.data["items"]) == (200, [])


def test_lowering_an_inactive_line_is_allowed(user, user_client, make_variant):
    variant = make_variant(stock=5)
    item_id = add(user_client, variant, 3).data["items"][0]["id"]
    variant.is_active = False
    variant.save()
    assert user_client.patch(f"{ITEMS}{item_id}/", {"quantity": 1}).status_code == 200
    before = db_state()
    response = user_client.patch(f"{ITEMS}{item_id}/", {"quantity": 2})
    assert (response.status_code, response.data["code"]) == (409, "variant_inactive")
    assert db_state() == before


def test_another_users_cart_line_is_404(user, user_client, other_user, make_variant, fill_cart):
    theirs = fill_cart(other_user, (make_variant(), 2)).items.get()
    fill_cart(user)  # the user has a cart of their own
    before = db_state()
    assert user_client.patch(f"{ITEMS}{theirs.pk}/", {"quantity": 1}).status_code == 404
    response = user_client.delete(f"{ITEMS}{theirs.pk}/")
    assert (response.status_code, response.data["code"]) == (404, "cart_item_not_found")
    theirs.refresh_from_db()
    assert theirs.quantity == 2
    assert db_state() == before


def test_guest_cannot_touch_a_line_without_its_token(api_client, make_variant):
    item_id = add(api_client, make_variant(), 1).data["items"][0]["id"]
    stranger = type(api_client)()
    before = db_state()
    assert stranger.delete(f"{ITEMS}{item_id}/").status_code == 404
    assert db_state() == before
    assert CartItem.objects.filter(pk=item_id).exists()


def test_delete_cart_empties_it(user_client, make_variant):
    add(user_client, make_variant(), 2)
    response = user_client.delete(CART)
    assert (response.status_code, response.data["total_items"]) == (200, 0)
    assert not CartItem.objects.exists()


# --- Users and merging --------------------------------------------------------------------------------------


def test_user_uses_own_cart_not_a_guest_token(api_client, user, user_client, make_variant):
    guest_token = add(api_client, make_variant(), 1).data["token"]
    answer = add(user_client, make_variant(), 2, **token_header(guest_token)).data
    assert answer["token"] != guest_token
    assert answer["total_items"] == 2
    assert Cart.objects.get(token=answer["token"]).user == user
    assert Cart.objects.get(token=guest_token).items.count() == 1


def test_a_users_cart_token_does_not_open_it_for_guests(api_client, user, fill_cart, make_variant):
    cart = fill_cart(user, (make_variant(), 1))
    answer = api_client.get(CART, **token_header(cart.token)).data
    assert answer["items"] == [] and answer["token"] is None


def test_merge_adds_quantities_capped_at_stock(api_client, user, user_client, make_variant):
    capped, plenty, gone = make_variant(stock=5), make_variant(stock=50), make_variant(stock=5)
    token = add(api_client, capped, 3).data["token"]
    add(api_client, plenty, 5, **token_header(token))
    add(api_client, gone, 1, **token_header(token))
    gone.is_active = False
    gone.save()
    add(user_client, capped, 4)

    response = user_client.post(MERGE, {"token": token})
    assert response.status_code == 200
    quantities = {i["variant_id"]: i["quantity"] for i in response.data["items"]}
    assert quantities == {capped.pk: 5, plenty.pk: 5}
    assert not Cart.objects.filter(token=token).exists()


def test_merge_unknown_token_is_404_and_needs_login(api_client, user_client, make_variant):
    guest = services.cart_get_or_create()
    services.cart_item_add(guest, variant_id=make_variant().pk, quantity=1)
    before = db_state()
    response = user_client.post(MERGE, {"token": str(uuid.uuid4())})
    assert (response.status_code, response.data["code"]) == (404, "cart_not_found")
    assert user_client.post(MERGE, {"token": "x"}).status_code == 400
    assert api_client.post(MERGE, {"token": str(uuid.uuid4())}).status_code == 401
    assert api_client.post(MERGE, {"token": str(guest.token)}).status_code == 401
    assert db_state() == before  # no cart made for the user, the guest cart untouched


def test_merge_cannot_take_another_users_cart(user, other_user, fill_cart, make_variant):
    theirs = fill_cart(other_user, (make_variant(), 1))
    with pytest.raises(services.CartNotFound):
        services.cart_merge(user, token=theirs.token)
    assert Cart.objects.filter(pk=theirs.pk).exists()


def _browser_with_guest_cart(variant, quantity):
    guest = services.cart_get_or_create()
    services.cart_item_add(guest, variant_id=variant.pk, quantity=quantity)
    browser = Client()
    session = browser.session
    session["cart_token"] = str(guest.token)
    session.save()
    return browser, guest


def test_login_merges_the_session_cart(user, make_variant):
    browser, guest = _browser_with_guest_cart(make_variant(stock=5), 2)

    response = browser.post(
        "/account/login/", {"username": user.username, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert not Cart.objects.filter(pk=guest.pk).exists()
    assert Cart.objects.get(user=user).items.get().quantity == 2
    assert "cart_token" not in browser.session


def test_a_failed_login_merges_nothing(user, make_variant):
    browser, guest = _browser_with_guest_cart(make_variant(stock=5), 2)
    before = db_state()

    response = browser.post("/account/login/", {"username": user.username, "password": "nope"})

    assert response.status_code == 200
    assert db_state() == before
    assert browser.session["cart_token"] == str(guest.token)


def test_registration_merges_the_session_cart(make_variant):
    browser, guest = _browser_with_guest_cart(make_variant(stock=5), 3)

    response = browser.post(
        "/account/register/",
        {
            "username": "newshopper",
            "email": "newshopper@example.com",
            "password1": "plum-blossom-77",
            "password2": "plum-blossom-77",
        },
    )

    assert response.status_code == 302
    assert not Cart.objects.filter(pk=guest.pk).exists()
    assert Cart.objects.get(user__username="newshopper").items.get().quantity == 3
    assert "cart_token" not in browser.session


def test_the_admin_login_leaves_the_guest_cart_in_the_session(staff, make_variant):
    # The admin is no storefront: the guest cart waits for a storefront login.
    browser, guest = _browser_with_guest_cart(make_variant(stock=5), 2)

    response = browser.post(
        "/admin/login/?next=/admin/",
        {"username": staff.username, "password": DEFAULT_PASSWORD},
    )

    assert response.status_code == 302
    assert Cart.objects.get(pk=guest.pk).items.get().quantity == 2
    assert not Cart.objects.filter(user=staff).exists()
    assert browser.session["cart_token"] == str(guest.token)


def test_login_without_a_guest_cart_does_nothing(user):
    response = Client().post(
        "/account/login/", {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert not Cart.objects.exists()


# --- Abandoned guest carts ----------------------------------------------------------------------------------


def _age(cart, days):
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now() - timedelta(days=days))


def test_abandoned_guest_carts_are_purged(settings, user, make_variant, fill_cart):
    from orders import tasks

    settings.CART_GUEST_RETENTION_DAYS = 30
    variant = make_variant()
    abandoned = services.cart_get_or_create()
    services.cart_item_add(abandoned, variant_id=variant.pk, quantity=2)
    recent = services.cart_get_or_create()
    services.cart_item_add(recent, variant_id=variant.pk, quantity=1)
    users_cart = fill_cart(user, (variant, 1))
    _age(abandoned, 31)
    _age(recent, 29)
    _age(users_cart, 400)  # a user's cart is theirs to keep

    assert tasks.carts_purge() == 1
    assert set(Cart.objects.values_list("pk", flat=True)) == {recent.pk, users_cart.pk}
    assert not CartItem.objects.filter(cart_id=abandoned.pk).exists()
    assert tasks.carts_purge() == 0  # running it again does nothing

    assert services.carts_purge_abandoned(older_than_days=10) == 1
    assert list(Cart.objects.values_list("pk", flat=True)) == [users_cart.pk]


def test_editing_a_guest_cart_keeps_it(settings, make_variant):
    settings.CART_GUEST_RETENTION_DAYS = 30
    variant = make_variant()
    cart = services.cart_get_or_create()
    item = services.cart_item_add(cart, variant_id=variant.pk, quantity=1)
    _age(cart, 31)
    services.cart_item_update(cart, item_id=item.pk, quantity=2)
    assert services.carts_purge_abandoned() == 0
    _age(cart, 31)
    services.cart_item_remove(cart, item_id=item.pk)
    assert services.carts_purge_abandoned() == 0
    assert Cart.objects.filter(pk=cart.pk).exists()


def test_products_of_a_hidden_category_cannot_be_bought(user, user_client, make_variant, fill_cart):
    """Deactivating a category hides its products from shoppers; carts and checkout agree."""
    from catalog.services import category_update

    on_sale = make_variant(stock=5)
    in_cart = fill_cart(user, (on_sale, 1))
    later = make_variant(stock=5, product__category=on_sale.product.category)
    category_update(on_sale.product.category, is_active=False)
    before = db_state()

    response = user_client.post(ITEMS, {"variant_id": later.pk, "quantity": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "variant_inactive"

    [line] = user_client.get(CART).json()["items"]
    assert line["problem"] == "inactive"

    response = user_client.post(
        "/api/v1/orders/",
        {"shipping_address": ADDRESS, "payment_method": "sandbox"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "variant_inactive"
    assert in_cart.items.count() == 1
    assert db_state() == before

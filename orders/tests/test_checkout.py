from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from accounts.tests.factories import AddressFactory, UserFactory
from core.testing.state import db_state
from inventory.models import Allocation
from orders import services
from orders.exceptions import IdempotencyKeyInvalid, IdempotencyKeyReused
from orders.models import CartItem, Order, OrderEvent, OrderLine
from orders.tests.helpers import ADDRESS, stock_of
from promotions.exceptions import CouponUsed
from promotions.models import UserCoupon

pytestmark = pytest.mark.django_db

ORDERS_URL = "/api/v1/orders/"


def nothing_left_behind(user, variants, cart_lines):
    """No order, no allocation, the cart as it was."""
    assert not Order.objects.filter(user=user).exists()
    assert not OrderLine.objects.exists()
    assert not Allocation.objects.exists()
    for variant in variants:
        assert stock_of(variant).quantity_allocated == 0
    cart_items = dict(
        CartItem.objects.filter(cart__user=user).values_list("variant_id", "quantity")
    )
    assert cart_items == {variant.pk: quantity for variant, quantity in cart_lines}


# --- Prices come from the database --------------------------------------------------------------------


def test_client_sent_prices_are_ignored(user, user_client, make_variant):
    variant = make_variant(price="88.00", stock=5)
    response = user_client.post(
        "/api/v1/cart/items/",
        {"variant_id": variant.pk, "quantity": 2, "price": "0.01", "unit_price": "0.01"},
    )
    assert response.status_code == 201
    assert response.data["items"][0]["unit_price"] == "88.00"

    response = user_client.post(
        ORDERS_URL,
        {
            "shipping_address": ADDRESS,
            "payment_method": "sandbox",
            "price": "0.01",
            "unit_price": "0.01",
            "total": "0.01",
            "subtotal": "0.01",
            "items": [{"variant_id": variant.pk, "quantity": 2, "unit_price": "0.01"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["items"][0]["unit_price"] == "88.00"
    assert response.data["subtotal"] == "176.00"
    assert response.data["total"] == "176.00"
    assert Order.objects.get().total == Decimal("176.00")


# --- Totals to the cent ---------------------------------------------------------------------------------

# (lines as (price, qty, requires_shipping), coupon (kind, value) or None, tax rate,
#  expected subtotal, discount, tax, shipping, total)
TOTALS = [
    pytest.param(
        [("33.33", 3, True)],
        ("percent", "10"),
        "0.06",
        "99.99",
        "10.00",
        "5.40",
        "10.00",
        "105.39",
        id="3x33.33-10%-tax6-shipping",
    ),
    pytest.param(
        [("33.33", 3, True)],
        None,
        "0.06",
        "99.99",
        "0.00",
        "6.00",
        "0.00",
        "105.99",
        id="3x33.33-tax6-free-shipping",
    ),
    pytest.param(
        [("45.50", 2, True), ("12.35", 1, True)],
        ("fixed", "20"),
        "0.06",
        "103.35",
        "20.00",
        "5.00",
        "10.00",
        "98.35",
        id="fixed20-drops-below-free-shipping",
    ),
    pytest.param(
        [("99.00", 1, True)],
        None,
        "0",
        "99.00",
        "0.00",
        "0.00",
        "0.00",
        "99.00",
        id="exactly-threshold-ships-free",
    ),
    pytest.param(
        [("98.99", 1, True)],
        None,
        "0",
        "98.99",
        "0.00",
        "0.00",
        "10.00",
        "108.99",
        id="one-cent-below-threshold",
    ),
    pytest.param(
        [("20.00", 1, False)],
        None,
        "0.06",
        "20.00",
        "0.00",
        "1.20",
        "0.00",
        "21.20",
        id="nothing-to-ship",
    ),
    pytest.param(
        [("19.99", 3, True)],
        ("percent", "15", {"max_discount": Decimal("5.00")}),
        "0.06",
        "59.97",
        "5.00",
        "3.30",
        "10.00",
        "68.27",
        id="percent-capped",
    ),
]


@pytest.mark.parametrize("lines,coupon,tax_rate,subtotal,discount,tax,shipping,total", TOTALS)
def test_order_totals(
    settings, user, make_variant, make_coupon, place,
    lines, coupon, tax_rate, subtotal, discount, tax, shipping, total,
):  # fmt: skip
    settings.TAX_RATE = Decimal(tax_rate)
    cart_lines = [
        (make_variant(price=price, stock=10, product__requires_shipping=ships), qty)
        for price, qty, ships in lines
    ]
    code = ""
    if coupon:
        kind, value, *extra = coupon
        code = make_coupon(
            user, kind=kind, value=value, **(extra[0] if extra else {})
        ).template.code
    order = place(user, *cart_lines, coupon_code=code)
    order.refresh_from_db()
    assert (
        order.subtotal,
        order.discount_amount,
        order.tax_amount,
        order.shipping_amount,
        order.total,
    ) == tuple(Decimal(x) for x in (subtotal, discount, tax, shipping, total))
    assert order.coupon_code == code


def test_tax_fixture_applies_to_api_answer(tax, user, user_client, make_variant, fill_cart):
    fill_cart(user, (make_variant(price="10.00"), 1))
    response = user_client.post(
        ORDERS_URL, {"shipping_address": ADDRESS, "payment_method": "sandbox"}, format="json"
    )
    assert response.status_code == 201
    assert (response.data["tax_amount"], response.data["total"]) == ("0.60", "20.60")


# --- What placing does -----------------------------------------------------------------------------------


def test_place_snapshots_allocates_empties_cart_and_writes_event(
    settings, user, make_variant, place
):
    variant = make_variant(price="30.00", stock=5, name="Red", product__name="Shirt")
    before = timezone.now()
    order = place(user, (variant, 2), notes="ring twice")

    line = order.lines.get()
    assert (line.product_name, line.variant_name, line.sku) == ("Shirt", "Red", variant.sku)
    assert (line.unit_price, line.quantity, line.line_total) == (
        Decimal("30.00"),
        2,
        Decimal("60.00"),
    )
    assert (line.variant_id, line.product_id) == (variant.pk, variant.product_id)
    assert stock_of(variant).quantity_allocated == 2
    assert not CartItem.objects.filter(cart__user=user).exists()
    assert order.shipping_address["phone"] == ADDRESS["phone"]
    assert order.shipping_address["country"] == "CN"
    assert order.notes == "ring twice"
    assert (order.status, order.payment_status) == ("pending", "pending")
    minutes = settings.ORDER_PAYMENT_TIMEOUT_MINUTES
    assert abs((order.expires_at - before).total_seconds() - minutes * 60) < 30
    event = OrderEvent.objects.get(order=order)
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        "status",
        "",
        "pending",
        user,
    )

    # Later catalogue edits do not change what was bought.
    variant.price = Decimal("1.00")
    variant.name = "Blue"
    variant.save()
    line.refresh_from_db()
    assert (line.unit_price, line.variant_name) == (Decimal("30.00"), "Red")


def test_order_numbers_are_dated_random_and_unique(user, make_variant, place):
    variant = make_variant(stock=20)
    numbers = [place(user, (variant, 1)).number for _ in range(3)]
    today = f"{timezone.localdate():%Y%m%d}"
    assert len(set(numbers)) == 3
    for number in numbers:
        assert len(number) == 16 and number.isdigit() and number.startswith(today)
    tails = sorted(int(n[8:]) for n in numbers)
    assert tails[1] - tails[0] != 1 or tails[2] - tails[1] != 1


def test_number_collision_is_retried(user, make_variant, place):
    variant = make_variant(stock=5)
    first = place(user, (variant, 1))
    fresh = "2026112199999999"
    with mock.patch("orders.services.checkout._order_number", side_effect=[first.number, fresh]):
        second = place(user, (variant, 1))
    assert second.number == fresh


# --- Failures leave nothing behind -----------------------------------------------------------------------


def test_coupon_rule_failure_rolls_back(user, user_client, make_variant, make_coupon, fill_cart):
    variant = make_variant(price="30.00", stock=5)
    coupon = make_coupon(user, kind="fixed", value="5", min_spend=Decimal("100.00"))
    fill_cart(user, (variant, 2))
    response = user_client.post(
        ORDERS_URL,
        {
            "shipping_address": ADDRESS,
            "payment_method": "sandbox",
            "coupon_code": coupon.template.code,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.data["code"] == "coupon_min_spend"
    nothing_left_behind(user, [variant], [(variant, 2)])
    coupon.refresh_from_db()
    assert coupon.status == UserCoupon.Status.UNUSED


def test_failure_after_allocation_rolls_back_everything(user, make_variant, make_coupon, place):
    """The coupon is taken by another checkout between quote and redeem: the stock already
    allocated for this order must be given back by the rollback."""
    variant = make_variant(price="30.00", stock=5)
    coupon = make_coupon(user)
    with (
        mock.patch("orders.services.checkout.coupon_redeem", side_effect=CouponUsed()),
        pytest.raises(CouponUsed),
    ):
        place(user, (variant, 3), coupon_code=coupon.template.code)
    nothing_left_behind(user, [variant], [(variant, 3)])
    assert not OrderEvent.objects.exists()
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (UserCoupon.Status.UNUSED, None)


def test_coupon_is_marked_used_by_the_order(user, make_variant, make_coupon, place):
    coupon = make_coupon(user)
    order = place(user, (make_variant(), 1), coupon_code=coupon.template.code.lower())
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (UserCoupon.Status.USED, order.pk)


def test_used_coupon_is_refused(user, make_variant, make_coupon, place, fill_cart):
    coupon = make_coupon(user)
    variant = make_variant(stock=10)
    place(user, (variant, 1), coupon_code=coupon.template.code)
    cart = fill_cart(user, (variant, 1))
    before = db_state()
    with pytest.raises(CouponUsed):
        services.order_place(
            user,
            cart=cart,
            shipping_address=ADDRESS,
            payment_method="sandbox",
            coupon_code=coupon.template.code,
        )
    assert db_state() == before
    assert Order.objects.count() == 1
    assert stock_of(variant).quantity_allocated == 1


def test_insufficient_stock_names_lines_and_leaves_nothing(
    user, user_client, make_variant, fill_cart
):
    short = make_variant(price="10.00", stock=3)
    enough = make_variant(price="20.00", stock=9)
    fill_cart(user, (short, 3), (enough, 2))
    # Someone else bought two units of `short` after it went into the cart.
    other = UserFactory()
    services.order_place(
        other,
        cart=fill_cart(other, (short, 2)),
        shipping_address=ADDRESS,
        payment_method="sandbox",
    )

    response = user_client.post(
        ORDERS_URL, {"shipping_address": ADDRESS, "payment_method": "sandbox"}, format="json"
    )
    assert response.status_code == 409
    assert response.data["code"] == "insufficient_stock"
    assert response.data["lines"] == [
        {"variant_id": short.pk, "sku": short.sku, "requested": 3, "available": 1}
    ]
    assert not Order.objects.filter(user=user).exists()
    assert stock_of(short).quantity_allocated == 2
    assert stock_of(enough).quantity_allocated == 0
    cart = dict(CartItem.objects.filter(cart__user=user).values_list("variant_id", "quantity"))
    assert cart == {short.pk: 3, enough.pk: 2}


def test_empty_cart(user, user_client, fill_cart):
    fill_cart(user)
    before = db_state()
    response = user_client.post(
        ORDERS_URL, {"shipping_address": ADDRESS, "payment_method": "sandbox"}, format="json"
    )
    assert response.status_code == 400
    assert response.data["code"] == "cart_empty"
    assert db_state() == before


def test_inactive_variant_in_cart_is_a_conflict(user, user_client, make_variant, fill_cart):
    variant = make_variant()
    fill_cart(user, (variant, 1))
    variant.is_active = False
    variant.save()
    response = user_client.post(
        ORDERS_URL, {"shipping_address": ADDRESS, "payment_method": "sandbox"}, format="json"
    )
    assert response.status_code == 409
    assert response.data["code"] == "variant_inactive"
    assert response.data["lines"][0]["variant_id"] == variant.pk
    nothing_left_behind(user, [variant], [(variant, 1)])


@pytest.mark.parametrize(
    "method,code",
    [("paypal", None), ("alipay", "payment_method_invalid"), ("", None)],
)
def test_payment_method_must_be_an_enabled_gateway(
    user, user_client, make_variant, fill_cart, method, code
):
    variant = make_variant()
    fill_cart(user, (variant, 1))
    response = user_client.post(
        ORDERS_URL, {"shipping_address": ADDRESS, "payment_method": method}, format="json"
    )
    assert response.status_code == 400
    if code:
        assert response.data["code"] == code
    else:
        assert "payment_method" in response.data
    nothing_left_behind(user, [variant], [(variant, 1)])


def test_enabled_gateway_is_accepted(settings, user, make_variant, place):
    settings.PAYMENT_GATEWAYS_ENABLED = ["sandbox", "alipay"]
    assert place(user, (make_variant(), 1), payment_method="alipay").payment_method == "alipay"


# --- Addresses ----------------------------------------------------------------------------------------------


def test_own_address_is_snapshotted(user, user_client, make_variant, fill_cart):
    address = AddressFactory(user=user, phone="13700000001")
    fill_cart(user, (make_variant(), 1))
    response = user_client.post(
        ORDERS_URL, {"address_id": address.pk, "payment_method": "sandbox"}, format="json"
    )
    assert response.status_code == 201
    assert response.data["shipping_address"]["phone"] == "13700000001"
    address.delete()
    assert Order.objects.get().shipping_address["phone"] == "13700000001"


def test_other_users_address_is_not_found(user, other_user, user_client, make_variant, fill_cart):
    theirs = AddressFactory(user=other_user)
    variant = make_variant()
    fill_cart(user, (variant, 1))
    response = user_client.post(
        ORDERS_URL, {"address_id": theirs.pk, "payment_method": "sandbox"}, format="json"
    )
    assert response.status_code == 404
    assert response.data["code"] == "address_not_found"
    nothing_left_behind(user, [variant], [(variant, 1)])


@pytest.mark.parametrize(
    "body",
    [
        {"payment_method": "sandbox"},
        {"payment_method": "sandbox", "shipping_address": {**ADDRESS, "phone": ""}},
        {"payment_method": "sandbox", "shipping_address": {"full_name": "x"}},
        {"payment_method": "sandbox", "shipping_address": "nowhere"},
        {"payment_method": "sandbox", "shipping_address": ADDRESS, "address_id": 1},
        {"payment_method": "sandbox", "address_id": "abc"},
    ],
)
def test_bad_address_input_is_a_400(user, user_client, make_variant, fill_cart, body):
    fill_cart(user, (make_variant(), 1))
    before = db_state()
    response = user_client.post(ORDERS_URL, body, format="json")
    assert response.status_code == 400
    assert not Order.objects.exists()
    assert db_state() == before


def test_service_validates_inline_address_too(user, make_variant, place):
    from orders.exceptions import AddressInvalid

    with pytest.raises(AddressInvalid):
        place(user, (make_variant(), 1), shipping_address={"full_name": "x"})


def test_anonymous_cannot_order(api_client, make_variant):
    guest = services.cart_get_or_create()
    services.cart_item_add(guest, variant_id=make_variant().pk, quantity=1)
    before = db_state()
    response = api_client.post(
        ORDERS_URL,
        {"shipping_address": ADDRESS, "payment_method": "sandbox"},
        format="json",
        HTTP_X_CART_TOKEN=str(guest.token),
    )
    assert response.status_code == 401
    assert db_state() == before


# --- Idempotency ---------------------------------------------------------------------------------------------


def test_same_key_same_user_returns_the_first_order(user, user_client, make_variant, fill_cart):
    variant = make_variant(stock=10)
    fill_cart(user, (variant, 2))
    body = {"shipping_address": ADDRESS, "payment_method": "sandbox"}
    first = user_client.post(ORDERS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    fill_cart(user, (variant, 1))  # the retry comes even though the cart changed since
    again = user_client.post(ORDERS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert first.data["number"] == again.data["number"]
    assert Order.objects.count() == 1
    assert stock_of(variant).quantity_allocated == 2


def test_same_key_different_users_are_two_orders(user, other_user, make_variant, place):
    variant = make_variant(stock=10)
    mine = place(user, (variant, 1), idempotency_key="same")
    theirs = place(other_user, (variant, 1), idempotency_key="same")
    assert mine.pk != theirs.pk
    assert (mine.idempotent_replay, theirs.idempotent_replay) == (False, False)
    assert stock_of(variant).quantity_allocated == 2


def test_replay_found_only_by_the_unique_constraint(user, make_variant, place):
    """If the early look-up misses (a concurrent first request not yet visible), the unique
    constraint on (user, idempotency_key) turns the second insert into a replay."""
    variant = make_variant(stock=10)
    first = place(user, (variant, 1), idempotency_key="race")
    real_filter = Order.objects.filter
    misses = {"left": 2}

    def filter_missing_first(*args, **kwargs):
        if kwargs.get("idempotency_key") == "race" and misses["left"]:
            misses["left"] -= 1
            return Order.objects.none()
        return real_filter(*args, **kwargs)

    with mock.patch.object(Order.objects, "filter", side_effect=filter_missing_first):
        again = place(user, (variant, 1), idempotency_key="race")
    assert again.pk == first.pk and again.idempotent_replay
    assert Order.objects.count() == 1
    assert stock_of(variant).quantity_allocated == 1


def test_same_key_with_a_different_body_is_a_conflict(user, user_client, make_variant, fill_cart):
    variant = make_variant(stock=10)
    fill_cart(user, (variant, 2))
    body = {"shipping_address": ADDRESS, "payment_method": "sandbox", "notes": "ring twice"}
    first = user_client.post(ORDERS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == 201
    fill_cart(user, (variant, 1))
    changed = {**body, "notes": "leave at the door"}
    before = db_state()
    again = user_client.post(ORDERS_URL, changed, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert (again.status_code, again.data["code"]) == (409, "idempotency_key_reused")
    assert "Idempotent-Replayed" not in again
    other_address = {**ADDRESS, "street": "南京路 2 号"}
    again = user_client.post(
        ORDERS_URL,
        {**body, "shipping_address": other_address},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert (again.status_code, again.data["code"]) == (409, "idempotency_key_reused")
    assert db_state() == before  # neither conflict placed, allocated or emptied anything
    # The unchanged body still replays, and the new cart line was never ordered.
    replay = user_client.post(ORDERS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (200, "true")
    assert replay.data["number"] == first.data["number"]
    assert Order.objects.count() == 1
    assert stock_of(variant).quantity_allocated == 2
    assert CartItem.objects.get(cart__user=user).quantity == 1


def test_reused_key_found_only_by_the_unique_constraint_is_a_conflict(
    user, make_variant, place, fill_cart
):
    variant = make_variant(stock=10)
    place(user, (variant, 1), idempotency_key="race", notes="first")
    real_filter = Order.objects.filter
    misses = {"left": 2}

    def filter_missing_first(*args, **kwargs):
        if kwargs.get("idempotency_key") == "race" and misses["left"]:
            misses["left"] -= 1
            return Order.objects.none()
        return real_filter(*args, **kwargs)

    with (
        mock.patch.object(Order.objects, "filter", side_effect=filter_missing_first),
        pytest.raises(IdempotencyKeyReused),
    ):
        place(user, (variant, 1), idempotency_key="race", notes="second")
    assert Order.objects.count() == 1
    assert stock_of(variant).quantity_allocated == 1
    assert CartItem.objects.get(cart__user=user).quantity == 1  # the cart is as it was


@pytest.mark.parametrize(
    "key",
    ["   ", "x" * 129, "ключ", "tab\there", "nul\x00"],
    ids=["blank", "too-long", "non-ascii", "control", "nul"],
)
def test_malformed_idempotency_key_is_refused(user, make_variant, fill_cart, place, key):
    variant = make_variant(stock=10)
    cart = fill_cart(user, (variant, 1))
    before = db_state()
    with pytest.raises(IdempotencyKeyInvalid):
        services.order_place(
            user,
            cart=cart,
            shipping_address=ADDRESS,
            payment_method="sandbox",
            idempotency_key=key,
        )
    nothing_left_behind(user, [variant], [(variant, 1)])
    assert db_state() == before


def test_long_keys_do_not_collide(user, user_client, make_variant, fill_cart):
    """Keys were cut at 128 characters, so two keys sharing that prefix replayed each other."""
    variant = make_variant(stock=10)
    fill_cart(user, (variant, 1))
    body = {"shipping_address": ADDRESS, "payment_method": "sandbox"}
    prefix = "p" * 128
    first = user_client.post(ORDERS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY=prefix)
    assert first.status_code == 201
    fill_cart(user, (variant, 1))
    other = user_client.post(ORDERS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY=prefix + "2")
    assert (other.status_code, other.data["code"]) == (400, "idempotency_key_invalid")
    assert Order.objects.count() == 1
    empty = user_client.post(ORDERS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY=" ")
    assert (empty.status_code, empty.data["code"]) == (400, "idempotency_key_invalid")
    ok = user_client.post(ORDERS_URL, body, format="json", HTTP_IDEMPOTENCY_KEY="~ok key 1~")
    assert ok.status_code == 201
    assert Order.objects.get(number=ok.data["number"]).idempotency_key == "~ok key 1~"


# --- Per-line quantity limit --------------------------------------------------------------------------------


def test_line_above_a_lowered_limit_is_refused_at_checkout(
    settings, user, user_client, make_variant, fill_cart
):
    small = make_variant(price="10.00", stock=20)
    big = make_variant(price="10.00", stock=20)
    fill_cart(user, (small, 2), (big, 8))
    settings.CART_MAX_LINE_QUANTITY = 5  # lowered after the lines went into the cart

    response = user_client.post(
        ORDERS_URL, {"shipping_address": ADDRESS, "payment_method": "sandbox"}, format="json"
    )
    assert (response.status_code, response.data["code"]) == (400, "quantity_invalid")
    item = CartItem.objects.get(cart__user=user, variant=big)
    assert response.data["max_quantity"] == 5
    assert response.data["lines"] == [
        {"item_id": item.pk, "variant_id": big.pk, "sku": big.sku, "quantity": 8}
    ]
    assert big.sku in str(response.data["detail"])
    nothing_left_behind(user, [small, big], [(small, 2), (big, 8)])

    settings.CART_MAX_LINE_QUANTITY = 8
    response = user_client.post(
        ORDERS_URL, {"shipping_address": ADDRESS, "payment_method": "sandbox"}, format="json"
    )
    assert response.status_code == 201
    assert stock_of(big).quantity_allocated == 8

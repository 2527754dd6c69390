"""Reads after a write go to the primary, with a replica that really lags: a database of its own
with the schema but none of the test's writes (not a TEST MIRROR of the primary)."""

import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import connections
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from catalog.tests.factories import VariantFactory
from conftest import bearer
from inventory.queries import default_warehouse
from inventory.services import stock_receive
from orders import services
from orders.models import Order
from orders.tests.helpers import ADDRESS
from shop import db_router

# Not named replica_*: registered for the whole session (Django checks a test's databases before
# any fixture of the test runs), it becomes a replica only inside these tests (the `replica` fixture).
REPLICA = "lagging_replica"
CART = "/api/v1/cart/"
ITEMS = "/api/v1/cart/items/"
ORDERS = "/api/v1/orders/"


def _skip_post_migrate_on_the_replica():
    """post_migrate receivers (permissions, the merchant group) write rows; a replica gets none,
    and they are not written to work on a second database. Returns the undo."""
    from django.core.management.commands import flush, migrate

    real = migrate.emit_post_migrate_signal

    def emit(verbosity, interactive, db, **kwargs):
        if db != REPLICA:
            real(verbosity, interactive, db, **kwargs)

    flush.emit_post_migrate_signal = migrate.emit_post_migrate_signal = emit

    def undo():
        flush.emit_post_migrate_signal = migrate.emit_post_migrate_signal = real

    return undo


@pytest.fixture(scope="session")
def lagging_database(django_db_setup, django_db_blocker, tmp_path_factory):
    """The replica's settings: an empty, migrated database next to the test database."""
    undo = _skip_post_migrate_on_the_replica()
    with django_db_blocker.unblock():
        primary = connections["default"]
        config = dict(primary.settings_dict)
        if primary.vendor == "postgresql":
            config["NAME"] = f"{primary.settings_dict['NAME']}_lagging"
            with primary.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
                cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
        else:
            config["NAME"] = str(tmp_path_factory.mktemp("replica") / "lagging.sqlite3")
        _register(config)
        try:
            # The router migrates only the primary; this one alias gets the schema too.
            router = db_router.PrimaryReplicaRouter
            allow = router.allow_migrate
            router.allow_migrate = lambda self, db, app_label, model_name=None, **hints: True
            try:
                call_command("migrate", database=REPLICA, verbosity=0, interactive=False)
            finally:
                router.allow_migrate = allow
        except BaseException:
            _unregister()
            raise
    yield config
    _unregister()
    undo()
    if config["ENGINE"].endswith("postgresql"):
        with django_db_blocker.unblock(), connections["default"].cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')


def _register(config):
    connections.settings[REPLICA] = config
    connections.settings[REPLICA]["TEST"] = {"MIRROR": None, "NAME": config["NAME"]}


def _unregister():
    if REPLICA in connections.settings:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def replica(lagging_database, transactional_db, monkeypatch):
    """The lagging database is the replica for this test only (elsewhere the suite reads the
    primary as always). Transactional: inside the test's transaction every read would go to the
    primary anyway, by the in_atomic_block rule."""
    monkeypatch.setattr(db_router, "replicas", lambda: [REPLICA])
    tokens = db_router.begin()  # the test's own setup writes must not pin the test's thread
    yield REPLICA
    db_router.end(tokens)


pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture
def variant(replica):
    variant = VariantFactory()
    stock_receive(variant, warehouse=default_warehouse(), quantity=10)
    db_router.begin()  # setup done: the requests start unpinned
    return variant


def client(**credentials):
    api = APIClient(raise_request_exception=False)
    api.credentials(**credentials)
    return api


def test_a_read_only_request_reads_the_replica(variant):
    cart = services.cart_get_or_create()
    services.cart_item_add(cart, variant_id=variant.pk, quantity=2)
    db_router.begin()
    # The primary has the cart; the lagging replica does not: the answer proves where it read.
    answer = client(HTTP_X_CART_TOKEN=str(cart.token)).get(CART)
    assert answer.status_code == 200
    assert answer.data["token"] is None
    assert "primary_pin" not in answer.cookies


def test_add_to_cart_answers_with_the_line_and_the_next_reads_see_it(variant):
    browser = client()
    response = browser.post(ITEMS, {"variant_id": variant.pk, "quantity": 2})
    assert response.status_code == 201
    token = response.data["token"]
    assert [(i["variant_id"], i["quantity"]) for i in response.data["items"]] == [(variant.pk, 2)]
    assert not db_router.pinned(), "the request's pin leaked into the thread"

    # A browser: the pin cookie.
    again = browser.get(CART, HTTP_X_CART_TOKEN=token)
    assert again.data["total_items"] == 2
    # A mobile client without cookies: the cart token it just got.
    again = client(HTTP_X_CART_TOKEN=token).get(CART)
    assert again.data["total_items"] == 2
    # Another client is not pinned: it reads the (lagging) replica.
    assert client(HTTP_X_CART_TOKEN=str(uuid.uuid4())).get(CART).data["token"] is None


def test_checkout_answers_201_with_the_order_and_the_order_reads_back(variant):
    user = UserFactory()
    user.save(using=REPLICA, force_insert=True)  # the replica knows the user, not the cart
    services.cart_item_add(
        services.cart_get_or_create(user=user), variant_id=variant.pk, quantity=3
    )
    db_router.begin()
    auth = bearer(user)
    response = client(**auth).post(
        ORDERS, {"shipping_address": ADDRESS, "payment_method": "sandbox"}, format="json"
    )
    assert response.status_code == 201, response.content[:500]
    number = response.data["number"]
    assert [(i["sku"], i["quantity"]) for i in response.data["items"]] == [(variant.sku, 3)]
    assert Order.objects.using("default").filter(number=number).exists()

    # The same user's next request, without cookies, within the pin window.
    again = client(**auth).get(f"{ORDERS}{number}/")
    assert (again.status_code, again.data["number"]) == (200, number)


def test_a_write_outside_requests_pins_its_own_context_only(replica):
    router = db_router.PrimaryReplicaRouter()
    seen = {}

    def task_like():
        seen["before"] = router.db_for_read(Order)
        UserFactory()  # a service write in autocommit
        seen["after"] = router.db_for_read(Order)

    thread = threading.Thread(target=task_like)
    thread.start()
    thread.join()
    assert seen == {"before": REPLICA, "after": "default"}
    assert router.db_for_read(Order) == REPLICA  # this thread did not write


def test_a_celery_task_starts_unpinned_and_restores_the_scope(replica):
    from orders.tasks import carts_purge as task  # any task object will do

    router = db_router.PrimaryReplicaRouter()
    db_router.pin_to_primary()  # a worker thread that wrote in an earlier task
    db_router.task_scope_begin(task_id="t1", task=task)
    assert router.db_for_read(Order) == REPLICA
    router.db_for_write(Order)
    assert router.db_for_read(Order) == "default"
    db_router.task_scope_end(task_id="t1", task=task)
    assert db_router.pinned()  # the earlier scope, untouched


# --- Logins and tokens ------------------------------------------------------------------------------

LOGIN = "/api/v1/auth/token/"
ME = "/api/v1/auth/me/"


def test_a_login_checks_the_password_the_primary_has(replica):
    """A password changed a moment ago (say, because it was stolen): the replica still holds the
    old hash. The old password must not log in, the new one must."""
    user = UserFactory(username="ann")
    user.set_password("old-Secret-1")
    user.save()
    user.save(using=REPLICA, force_insert=True)  # the replica knows the old password
    user.set_password("new-Secret-2")
    user.save(update_fields=["password"])  # the primary only
    db_router.begin()

    stolen = client().post(LOGIN, {"username": "ann", "password": "old-Secret-1"})
    assert stolen.status_code == 401
    assert "refresh" not in stolen.data
    fresh = client().post(LOGIN, {"username": "ann", "password": "new-Secret-2"})
    assert fresh.status_code == 200, fresh.data


def test_a_new_account_logs_in_and_reads_itself(replica):
    """Register, log in, read the profile: three requests of a cookie-less app within a second,
    while the replica has not seen the account yet."""
    db_router.begin()
    registered = client().post(
        "/api/v1/auth/register/",
        {"username": "newbie", "email": "newbie@example.com", "password": "A-long-pass-42"},
    )
    assert registered.status_code == 201, registered.data
    tokens = client().post(LOGIN, {"username": "newbie", "password": "A-long-pass-42"})
    assert tokens.status_code == 200, tokens.data

    me = client(HTTP_AUTHORIZATION=f"Bearer {tokens.data['access']}").get(ME)
    assert (me.status_code, me.data.get("username")) == (200, "newbie")

    # A refreshed pair reads its own account too (the refresh wrote the blacklist).
    pair = client().post("/api/v1/auth/token/refresh/", {"refresh": tokens.data["refresh"]})
    assert pair.status_code == 200, pair.data
    me = client(HTTP_AUTHORIZATION=f"Bearer {pair.data['access']}").get(ME)
    assert (me.status_code, me.data.get("username")) == (200, "newbie")


# --- Tasks enqueued by a commit ---------------------------------------------------------------------


def test_the_order_mail_task_reads_the_order_the_request_just_placed(variant, mailoutbox):
    """A worker picks the task up right after the commit: the replica may not have the order yet,
    and the mail must not be skipped for it."""
    from orders.tasks import order_email_send

    user = UserFactory(email="buyer@example.com")
    cart = services.cart_get_or_create(user=user)
    services.cart_item_add(cart, variant_id=variant.pk, quantity=1)
    order = services.order_place(
        user, cart=cart, shipping_address=ADDRESS, payment_method="sandbox"
    )
    mailoutbox.clear()
    db_router.begin()  # a worker thread: nothing written yet

    run = order_email_send.apply(args=[order.pk, "shipped"])
    assert (run.successful(), run.result) == (True, True)
    assert [m.to for m in mailoutbox] == [["buyer@example.com"]]
    assert not db_router.pinned()  # the task's scope ended with it


def test_the_stock_alert_task_sees_the_stock_change_that_enqueued_it(variant):
    from inventory.models import StockAlert
    from inventory.tasks import stock_alerts_check_task

    stock = variant.stocks.using("default").get()
    stock.low_stock_threshold = 20  # 10 on hand: low
    stock.save(update_fields=["low_stock_threshold"])
    StockAlert.objects.all().delete()
    db_router.begin()

    assert stock_alerts_check_task.apply(args=[[stock.pk]]).successful()
    assert list(StockAlert.objects.using("default").values_list("stock_id", "level")) == [
        (stock.pk, StockAlert.Level.LOW)
    ]


# --- Cached catalogue answers -----------------------------------------------------------------------


def _on_the_replica(*objects):
    for obj in objects:
        obj.save(using=REPLICA, force_insert=True)


def test_a_lagging_replica_read_is_never_cached_for_the_next_hour(replica):
    """A price change invalidates the cached product on commit; the next shopper's read must not
    rebuild the cache from a replica that has not seen the change yet, or the old price is served
    for CATALOG_DETAIL_CACHE_SECONDS (an hour) after the replica caught up, while checkout charges
    the new one."""
    from catalog.models import ProductVariant
    from catalog.services import variant_update
    from catalog.tests.factories import VariantFactory as Factory

    variant = Factory(price="10.00")
    product = variant.product
    _on_the_replica(product.category, product.brand, product, variant)
    slug = product.slug
    detail = f"/api/v1/products/{slug}/"
    db_router.begin()
    assert client().get(detail).data["variants"][0]["price"] == "10.00"  # cached

    variant_update(ProductVariant.objects.using("default").get(pk=variant.pk), price="12.00")
    db_router.begin()
    client().get(detail)  # a shopper, while the replica lags
    client().get("/api/v1/products/")
    # The replica catches up.
    ProductVariant.objects.using(REPLICA).filter(pk=variant.pk).update(price="12.00")
    type(product).objects.using(REPLICA).filter(pk=product.pk).update(price="12.00")

    assert client().get(detail).data["variants"][0]["price"] == "12.00"
    listed = client().get("/api/v1/products/").data["results"]
    assert [(p["slug"], p["price"]) for p in listed] == [(slug, "12.00")]


def test_the_periodic_alert_check_does_not_resolve_alerts_from_a_lagging_replica(variant):
    """The periodic run decides from what it reads which alerts to resolve: a replica that has not
    seen the sale yet must not make it close the alert that sale raised."""
    from inventory.models import StockAlert
    from inventory.services import stock_alerts_check
    from inventory.tasks import low_stock_check

    stock = variant.stocks.using("default").get()
    stock.low_stock_threshold = 20  # 10 on hand: low
    stock.save(update_fields=["low_stock_threshold"])
    stock_alerts_check([stock.pk])
    db_router.begin()

    assert low_stock_check.apply().successful()
    alert = StockAlert.objects.using("default").get()
    assert (alert.stock_id, alert.level, alert.resolved_at) == (stock.pk, "low", None)

import pytest

from catalog.tests.factories import VariantFactory
from inventory import services
from inventory.exceptions import InsufficientStock, InvalidStockChange, StockBelowAllocated
from inventory.models import Allocation, Stock, StockMovement
from inventory.queries import default_warehouse, variant_availability
from inventory.tests.factories import WarehouseFactory
from inventory.tests.helpers import assert_invariants
from orders.tests.factories import order_with_lines

pytestmark = pytest.mark.django_db


def stock_of(variant, warehouse) -> Stock:
    return Stock.objects.get(variant=variant, warehouse=warehouse)


class TestAllocate:
    def test_takes_from_warehouses_by_priority_and_splits(
        self, variant, warehouse, second_warehouse
    ):
        services.stock_receive(variant, warehouse=second_warehouse, quantity=5)
        services.stock_receive(variant, warehouse=warehouse, quantity=3)
        _order, (line,) = order_with_lines([(variant, 6)])

        allocations = services.stock_allocate([line])

        got = {a.stock.warehouse.code: a.quantity for a in allocations}
        assert got == {"main": 3, "backup": 3}
        assert stock_of(variant, warehouse).quantity_allocated == 3
        assert stock_of(variant, second_warehouse).quantity_allocated == 3
        assert all(a.quantity_original == a.quantity for a in allocations)
        assert variant_availability([variant.pk]) == {variant.pk: 2}
        assert_invariants()

    def test_inactive_warehouse_is_not_allocated_from(self, variant, warehouse, second_warehouse):
        services.stock_receive(variant, warehouse=warehouse, quantity=5)
        services.stock_receive(variant, warehouse=second_warehouse, quantity=5)
        warehouse.is_active = False
        warehouse.save()
        _order, (line,) = order_with_lines([(variant, 6)])

        with pytest.raises(InsufficientStock) as exc:
            services.stock_allocate([line])

        assert exc.value.extra["lines"] == [
            {"variant_id": variant.pk, "sku": variant.sku, "requested": 6, "available": 5}
        ]
        (allocation,) = services.stock_allocate(order_with_lines([(variant, 5)])[1])
        assert allocation.stock.warehouse == second_warehouse

    def test_all_or_nothing_names_every_short_line(self, stocked, variant, warehouse):
        other = VariantFactory()
        third = VariantFactory()
        services.stock_receive(other, warehouse=warehouse, quantity=1)
        _order, lines = order_with_lines([(variant, 2), (other, 3), (third, 1)])

        with pytest.raises(InsufficientStock) as exc:
            services.stock_allocate(lines)

        assert exc.value.status_code == 409
        assert exc.value.code == "insufficient_stock"
        assert exc.value.extra["lines"] == [
            {"variant_id": other.pk, "sku": other.sku, "requested": 3, "available": 1},
            {"variant_id": third.pk, "sku": third.sku, "requested": 1, "available": 0},
        ]
        # The first line had enough, yet nothing was allocated.
        assert stock_of(variant, warehouse).quantity_allocated == 0
        assert not Allocation.objects.exists()

    def test_lines_of_one_variant_are_summed(self, stocked, variant, warehouse):
        _order, lines = order_with_lines([(variant, 6), (variant, 6)])

        with pytest.raises(InsufficientStock) as exc:
            services.stock_allocate(lines)

        assert exc.value.extra["lines"][0]["requested"] == 12
        assert exc.value.extra["lines"][0]["available"] == 10
        assert stock_of(variant, warehouse).quantity_allocated == 0

    def test_exact_fit_then_nothing_left(self, stocked, variant, warehouse):
        services.stock_allocate(order_with_lines([(variant, 4), (variant, 6)])[1])
        assert stock_of(variant, warehouse).available == 0
        with pytest.raises(InsufficientStock):
            services.stock_allocate(order_with_lines([(variant, 1)])[1])
        assert_invariants()

    def test_retry_of_allocated_lines_does_not_allocate_twice(self, stocked, variant, warehouse):
        _order, lines = order_with_lines([(variant, 3)])
        services.stock_allocate(lines)
        assert services.stock_allocate(lines) == []
        assert stock_of(variant, warehouse).quantity_allocated == 3

    def test_allocation_writes_no_ledger_rows(self, stocked, variant):
        services.stock_allocate(order_with_lines([(variant, 3)])[1])
        assert StockMovement.objects.count() == 1  # the receipt only

    def test_after_commit_invalidates_catalog_cache_and_raises_alert(
        self, stocked, variant, warehouse, django_capture_on_commit_callbacks, monkeypatch
    ):
        calls = []
        monkeypatch.setattr("inventory.services.catalog_cache_invalidate", calls.append)
        _order, lines = order_with_lines([(variant, 7)])

        with django_capture_on_commit_callbacks(execute=True):
            services.stock_allocate(lines)

        assert calls == [{variant.product_id}]
        alert = stock_of(variant, warehouse).alerts.get()
        assert alert.level == "low"


class TestReleaseAndShip:
    def test_release_is_idempotent(self, stocked, variant, warehouse, second_warehouse):
        services.stock_receive(variant, warehouse=second_warehouse, quantity=2)
        order, lines = order_with_lines([(variant, 11)])
        services.stock_allocate(lines)

        services.stock_release(order)
        services.stock_release(order)

        assert stock_of(variant, warehouse).quantity_allocated == 0
        assert stock_of(variant, second_warehouse).quantity_allocated == 0
        assert stock_of(variant, warehouse).quantity == 10
        assert set(Allocation.objects.values_list("quantity", "quantity_original")) == {
            (0, 10),
            (0, 1),
        }
        assert_invariants()

    def test_ship_deducts_both_and_writes_one_sale_row_per_stock(
        self, stocked, variant, warehouse, second_warehouse, staff
    ):
        services.stock_receive(variant, warehouse=second_warehouse, quantity=5)
        other = VariantFactory()
        services.stock_receive(other, warehouse=warehouse, quantity=4)
        order, lines = order_with_lines([(variant, 8), (variant, 4), (other, 1)])
        services.stock_allocate(lines)

        services.stock_ship(order, actor=staff)
        services.stock_ship(order, actor=staff)

        main, backup = stock_of(variant, warehouse), stock_of(variant, second_warehouse)
        assert (main.quantity, main.quantity_allocated) == (0, 0)
        assert (backup.quantity, backup.quantity_allocated) == (3, 0)
        assert stock_of(other, warehouse).quantity == 3
        sales = StockMovement.objects.filter(reason="sale").order_by("stock_id")
        assert [
            (m.stock_id, m.delta, m.quantity_before, m.quantity_after) for m in sales
        ] == sorted(
            [
                (main.pk, -10, 10, 0),
                (backup.pk, -2, 5, 3),
                (stock_of(other, warehouse).pk, -1, 4, 3),
            ]
        )
        assert {m.reference for m in sales} == {order.number}
        assert {m.user for m in sales} == {staff}
        assert_invariants()

    def test_release_after_ship_does_nothing(self, stocked, variant, warehouse):
        order, lines = order_with_lines([(variant, 3)])
        services.stock_allocate(lines)
        services.stock_ship(order)
        services.stock_release(order)
        stock = stock_of(variant, warehouse)
        assert (stock.quantity, stock.quantity_allocated) == (7, 0)
        assert_invariants()

    def test_release_of_order_without_allocations(self, stocked, variant):
        order, _lines = order_with_lines([(variant, 3)])
        services.stock_release(order)
        services.stock_ship(order)
        assert StockMovement.objects.count() == 1


class TestAdjustAndReceive:
    def test_receive_creates_row_and_purchase_ledger(self, variant, warehouse, merchant):
        stock = services.stock_receive(
            variant, warehouse=warehouse, quantity=7, actor=merchant, reference="PO-1"
        )
        stock = services.stock_receive(variant, warehouse=warehouse, quantity=3, note="more")

        assert stock.quantity == 10
        rows = list(
            StockMovement.objects.order_by("pk").values_list(
                "reason", "delta", "quantity_before", "quantity_after", "reference", "user", "note"
            )
        )
        assert rows == [
            ("purchase", 7, 0, 7, "PO-1", merchant.pk, ""),
            ("purchase", 3, 7, 10, "", None, "more"),
        ]

    def test_receive_rejects_non_positive(self, variant, warehouse):
        with pytest.raises(InvalidStockChange):
            services.stock_receive(variant, warehouse=warehouse, quantity=0)
        assert not Stock.objects.exists()

    @pytest.mark.parametrize(
        ("delta", "reason"),
        [(0, "adjustment"), (-1, "purchase"), (-1, "return"), (1, "damage"), (1, "sale"), (1, "x")],
    )
    def test_adjust_rejects_nonsense(self, stocked, variant, warehouse, delta, reason):
        with pytest.raises(InvalidStockChange):
            services.stock_adjust(variant, warehouse=warehouse, delta=delta, reason=reason)
        assert stock_of(variant, warehouse).quantity == 10
        assert StockMovement.objects.count() == 1

    def test_adjust_never_below_allocated(self, stocked, variant, warehouse):
        services.stock_allocate(order_with_lines([(variant, 4)])[1])

        with pytest.raises(StockBelowAllocated) as exc:
            services.stock_adjust(variant, warehouse=warehouse, delta=-7, reason="damage")
        assert exc.value.status_code == 409
        assert exc.value.extra == {"quantity": 10, "quantity_allocated": 4, "available": 6}

        stock = services.stock_adjust(
            variant, warehouse=warehouse, delta=-6, reason="damage", note="dropped"
        )
        assert (stock.quantity, stock.quantity_allocated) == (4, 4)
        last = StockMovement.objects.latest("pk")
        assert (last.reason, last.delta, last.quantity_before, last.quantity_after) == (
            "damage",
            -6,
            10,
            4,
        )
        assert_invariants()

    def test_adjust_never_below_zero_and_missing_row(self, variant, warehouse):
        with pytest.raises(StockBelowAllocated):
            services.stock_adjust(variant, warehouse=warehouse, delta=-1, reason="adjustment")
        assert not Stock.objects.exists()
        services.stock_adjust(variant, warehouse=warehouse, delta=2, reason="return")
        with pytest.raises(StockBelowAllocated):
            services.stock_adjust(variant, warehouse=warehouse, delta=-3, reason="adjustment")
        assert stock_of(variant, warehouse).quantity == 2

    def test_each_quantity_change_writes_exactly_one_ledger_row(self, stocked, variant, warehouse):
        services.stock_adjust(variant, warehouse=warehouse, delta=5, reason="adjustment")
        services.stock_adjust(variant, warehouse=warehouse, delta=-2, reason="adjustment")
        services.stock_adjust(variant, warehouse=warehouse, delta=1, reason="return")
        assert StockMovement.objects.count() == 4
        assert stock_of(variant, warehouse).quantity == 14
        assert_invariants()


class TestQueries:
    def test_variant_availability_one_query(
        self, variant, warehouse, second_warehouse, django_assert_num_queries
    ):
        services.stock_receive(variant, warehouse=warehouse, quantity=4)
        services.stock_receive(variant, warehouse=second_warehouse, quantity=3)
        services.stock_allocate(order_with_lines([(variant, 5)])[1])
        empty = VariantFactory()
        with django_assert_num_queries(1):
            assert variant_availability([variant.pk, empty.pk]) == {variant.pk: 2, empty.pk: 0}
        assert variant_availability([]) == {}

    def test_default_warehouse(self, db):
        created = default_warehouse()
        assert created.code == "main"
        better = WarehouseFactory(priority=1)
        assert default_warehouse() == better


def test_write_from_a_stale_read_changes_nothing(stocked, variant, warehouse):
    """Without row locks (SQLite) a write based on an out-of-date read must fail, not overwrite."""
    from inventory.exceptions import StockChanged

    stale = Stock.objects.get(pk=stocked.pk)
    services.stock_allocate(order_with_lines([(variant, 4)])[1])
    with pytest.raises(StockChanged):
        services._stock_write(
            stale, quantity=stale.quantity, allocated=stale.quantity_allocated + 8
        )
    assert Stock.objects.get(pk=stocked.pk).quantity_allocated == 4


class TestReceiveOpening:
    def test_creates_rows_with_a_balanced_purchase_each_and_skips_existing(self, warehouse):
        fresh, empty, existing = VariantFactory(), VariantFactory(), VariantFactory()
        services.stock_receive(existing, warehouse=warehouse, quantity=4)

        new_ids = services.stock_receive_opening(
            warehouse, quantities={fresh.pk: 12, empty.pk: 0, existing.pk: 50}, reference="import-1"
        )

        assert [stock_of(fresh, warehouse).pk] == new_ids
        assert stock_of(fresh, warehouse).quantity == 12
        assert not Stock.objects.filter(variant=empty).exists()
        assert stock_of(existing, warehouse).quantity == 4  # untouched: not an opening balance
        movement = StockMovement.objects.get(stock__variant=fresh)
        assert (
            movement.reason,
            movement.delta,
            movement.quantity_before,
            movement.quantity_after,
        ) == (
            "purchase",
            12,
            0,
            12,
        )
        assert movement.reference == "import-1"
        assert_invariants()


def test_a_failing_after_commit_step_is_logged_not_raised(
    variant, warehouse, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    """The stock change is durable once committed; a broken cache must not turn it into an error."""

    def broken_cache(product_ids):
        raise ConnectionError("cache down")

    monkeypatch.setattr(services, "catalog_cache_invalidate", broken_cache)
    with django_capture_on_commit_callbacks(execute=True):
        services.stock_receive(variant, warehouse=warehouse, quantity=5)

    assert stock_of(variant, warehouse).quantity == 5
    assert "broken_cache" in caplog.text and "cache down" in caplog.text

"""Every write to stock goes through these functions; views, admin actions, tasks and commands call them.

Why it cannot oversell:
- Stock rows are locked with SELECT ... FOR UPDATE, always in primary-key order, so two checkouts
  wanting the same variants queue up instead of deadlocking, and availability is re-read under the lock.
- Every write is also a compare-and-set UPDATE (`WHERE quantity = <read> AND quantity_allocated =
  <read>`): on a database without row locks (SQLite, which serialises writers with IMMEDIATE
  transactions instead) a write based on a stale read changes nothing and fails loudly.
- The database's check constraints (0 <= allocated <= quantity) are the last line of defence.

Every change of `quantity` writes exactly one StockMovement (the ledger); allocation changes only
`quantity_allocated`, which `inventory_check` reconciles with the open Allocation rows.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.queries import staff_users_with_email
from catalog.cache import catalog_cache_invalidate
from catalog.services import products_refresh_in_stock
from core.exceptions import Conflict
from core.transactions import on_commit_robust
from inventory import locks
from inventory.exceptions import (
    InsufficientStock,
    InvalidStockChange,
    StockBelowAllocated,
    StockChanged,
)
from inventory.models import Allocation, Stock, StockAlert, StockMovement, Warehouse

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from catalog.models import ProductVariant
    from inventory.protocols import AllocationLine, OrderRef

logger = logging.getLogger(__name__)

Reason = StockMovement.Reason

# Reasons a person may give for a manual change; `sale` is only written by stock_ship.
ADJUST_REASONS = (Reason.PURCHASE, Reason.ADJUSTMENT, Reason.RETURN, Reason.DAMAGE)
# Largest single manual change, and the largest on-hand a row may hold (PostgreSQL's integer column).
MAX_QUANTITY = 1_000_000
MAX_ON_HAND = 2_147_483_647


# --- helpers -------------------------------------------------------------------------------------


def _actor_or_none(actor: User | AnonymousUser | None) -> User | None:
    # The ledger's `user` column records who acted; an anonymous caller (a task) records nobody.
    if actor is None or not actor.is_authenticated:
        return None
    return actor


def _stock_write(stock: Stock, *, quantity: int, allocated: int) -> None:
    """Compare-and-set: write only if the row still holds what we read under the lock."""
    updated = Stock.objects.filter(
        pk=stock.pk, quantity=stock.quantity, quantity_allocated=stock.quantity_allocated
    ).update(quantity=quantity, quantity_allocated=allocated, updated_at=timezone.now())
    if updated != 1:
        raise StockChanged()
    stock.quantity = quantity
    stock.quantity_allocated = allocated


def _ledger_write(
    stock: Stock,
    *,
    before: int,
    after: int,
    reason: str,
    reference: str = "",
    actor: User | None = None,
    note: str = "",
) -> StockMovement:
    return StockMovement.objects.create(
        stock=stock,
        reason=reason,
        delta=after - before,
        quantity_before=before,
        quantity_after=after,
        reference=(reference or "")[:64],
        user=_actor_or_none(actor),
        note=(note or "")[:255],
    )


def _alerts_check_enqueue(stock_ids: list[int]) -> None:
    from inventory.tasks import stock_alerts_check_task

    stock_alerts_check_task.delay(stock_ids)


def _after_commit(stocks: Iterable[Stock]) -> None:
    """What shoppers see changed (cache, Product.in_stock) and a row may have crossed its threshold
    (alerts).

    `robust=True`: a cache, broker or database hiccup after the commit is logged, never turned into
    an error for a caller whose stock change is already durable (the periodic reconciliation in
    inventory.tasks.low_stock_check repairs a refresh that failed).

    Product.in_stock is refreshed after the commit rather than inside the stock transaction: inside,
    a checkout would lock its product rows until it commits (contention on best sellers, and a
    second lock order to deadlock on), and it could not see a concurrent, uncommitted change to
    another variant's stock anyway. After the commit, each refresh is its own UPDATE that re-reads
    the committed stock under READ COMMITTED, so the refresh that runs last sees the latest state,
    and it writes only when the flag really changes.
    """
    stocks = list(stocks)
    if not stocks:
        return
    product_ids = {stock.variant.product_id for stock in stocks}
    stock_ids = sorted({stock.pk for stock in stocks})
    on_commit_robust(products_refresh_in_stock, product_ids)
    on_commit_robust(catalog_cache_invalidate, product_ids)
    on_commit_robust(_alerts_check_enqueue, stock_ids)


# --- warehouses ----------------------------------------------------------------------------------


def warehouse_save(warehouse: Warehouse, *, fields: Iterable[str] | None = None) -> Warehouse:
    """Create or change a warehouse (API and admin). A change with `fields` writes only those
    columns, so an edit never writes back a stale copy of the others.

    (De)activating one changes what shoppers can buy: stock in an inactive warehouse is not
    available, so on commit Product.in_stock is refreshed and the cached answers of the products
    with stock there are forgotten (products_refresh_after_warehouse_change).
    """
    with transaction.atomic():
        # Locked: two edits toggling is_active at once each compare against the other's result.
        was_active = (
            Warehouse.objects.select_for_update()
            .filter(pk=warehouse.pk)
            .values_list("is_active", flat=True)
            .first()
            if warehouse.pk
            else None
        )
        if was_active is not None and fields is not None:
            fields = list(fields)
            if not fields:
                return warehouse
            warehouse.save(update_fields=fields)
        else:
            warehouse.save()
        if was_active is not None and was_active != warehouse.is_active:
            on_commit_robust(products_refresh_after_warehouse_change, warehouse.pk)
    return warehouse


def products_refresh_after_warehouse_change(warehouse_id: int) -> int:
    """After a warehouse was (de)activated: refresh Product.in_stock, and forget the cached details
    of every product with available units there.

    A detail shows each variant's availability, which changes with the warehouse even when the
    product's flag does not (the variant is also stocked elsewhere), so the products whose flag
    changed are not enough. Their ids come from the warehouse's stock rows; deleting their detail
    keys (in batches) is exact and costs nothing on the read path, unlike a global detail
    generation every detail read would have to fetch. Returns how many flags changed.

    Here, not in catalog: it reads stock rows and refreshes catalog's flag and cache, and only
    inventory sees both (catalog sits below it, docs/architecture.md).
    """
    # Over every product, as before: the flags that can change are among the stocked ones, but
    # that list may be as long as the catalogue, too long for one IN (...).
    changed = products_refresh_in_stock(None)
    stocked = (
        Stock.objects.filter(warehouse_id=warehouse_id, quantity__gt=F("quantity_allocated"))
        .order_by()
        .values_list("variant__product_id", flat=True)
        .distinct()
    )
    # Forgotten once the refresh is durable; robust, as every cache step after a commit.
    on_commit_robust(catalog_cache_invalidate, sorted({int(pk) for pk in stocked}))
    return changed


# --- allocation ----------------------------------------------------------------------------------


def stock_allocate(
    order_lines: Sequence[AllocationLine], *, actor: User | None = None
) -> list[Allocation]:
    """Hold stock for saved order lines, all lines or none, taking from warehouses by priority.

    Called inside the order's transaction so the order and its allocations commit together. Lines
    of the same variant are summed before checking, so two lines cannot each see the same units.
    Lines that already hold allocations are skipped, so a retried call cannot allocate twice.
    Raises InsufficientStock naming every short variant and what is available.
    """
    lines = list(order_lines)
    if not lines:
        return []
    with transaction.atomic():
        variant_ids = {line.variant_id for line in lines if line.variant_id is not None}
        stocks = locks.stocks_lock(variant_id__in=variant_ids, warehouse__is_active=True)

        # Under the lock, so a concurrent retry of the same lines is seen.
        already = set(
            Allocation.objects.filter(order_line__in=[line.pk for line in lines]).values_list(
                "order_line_id", flat=True
            )
        )
        lines = [line for line in lines if line.pk not in already]

        requested: dict[int | None, int] = defaultdict(int)
        skus: dict[int | None, str] = {}
        for line in lines:
            requested[line.variant_id] += line.quantity
            skus.setdefault(line.variant_id, line.sku)

        by_variant: dict[int | None, list[Stock]] = defaultdict(list)
        for stock in stocks:
            by_variant[stock.variant_id].append(stock)
        for rows in by_variant.values():
            rows.sort(key=lambda s: (s.warehouse.priority, s.warehouse.code, s.pk))

        short = []
        for variant_id, units in requested.items():
            available = sum(max(s.available, 0) for s in by_variant.get(variant_id, []))
            if available < units:
                short.append(
                    {
                        "variant_id": variant_id,
                        "sku": skus[variant_id],
                        "requested": units,
                        "available": available,
                    }
                )
        if short:
            names = _(", ").join(
                _("%(sku)s (requested %(requested)d, available %(available)d)") % row
                for row in short
            )
            raise InsufficientStock(
                _("Not enough stock for: %(lines)s.") % {"lines": names}, extra={"lines": short}
            )

        left = {stock.pk: stock.available for stock in stocks}
        taken: dict[int, int] = defaultdict(int)
        plan: list[Allocation] = []
        for line in lines:
            need = line.quantity
            for stock in by_variant[line.variant_id]:
                if need == 0:
                    break
                units = min(need, left[stock.pk])
                if units <= 0:
                    continue
                left[stock.pk] -= units
                taken[stock.pk] += units
                need -= units
                plan.append(
                    Allocation(
                        order_line_id=line.pk, stock=stock, quantity=units, quantity_original=units
                    )
                )

        touched = [stock for stock in stocks if taken[stock.pk]]
        for stock in touched:
            _stock_write(
                stock,
                quantity=stock.quantity,
                allocated=stock.quantity_allocated + taken[stock.pk],
            )
        allocations = Allocation.objects.bulk_create(plan)
    _after_commit(touched)
    return allocations


def _open_allocations_locked(
    order: OrderRef,
) -> tuple[list[Stock], dict[int, int], list[Allocation]]:
    """Lock the order's stock rows (pk order), then its open allocations, re-read under the lock so a
    concurrent release or shipment that committed first leaves nothing to do here.

    Returns the stock rows that still hold units for the order, the open units per stock row, and
    the open allocations (all empty when there is nothing left to release or ship).
    """
    stock_ids = set(
        Allocation.objects.filter(order_line__order_id=order.pk, quantity__gt=0).values_list(
            "stock_id", flat=True
        )
    )
    if not stock_ids:
        return [], {}, []
    stocks = locks.stocks_lock(pk__in=stock_ids)
    allocations = locks.allocations_lock(order)
    units: dict[int, int] = defaultdict(int)
    for allocation in allocations:
        units[allocation.stock_id] += allocation.quantity
    return [stock for stock in stocks if units.get(stock.pk)], units, allocations


def stock_release(order: OrderRef, *, actor: User | None = None) -> None:
    """Give back every open allocation of the order (cancel, expiry, refund before shipping).

    Idempotent: released allocations have quantity 0, so a second call finds nothing open.
    """
    with transaction.atomic():
        touched, units, allocations = _open_allocations_locked(order)
        if not allocations:
            return
        for stock in touched:
            allocated = stock.quantity_allocated - units[stock.pk]
            if allocated < 0:
                # Drift made elsewhere must not block a cancellation; inventory_check reports it.
                logger.error(
                    "stock %s: releasing %s units but only %s allocated",
                    stock.pk,
                    units[stock.pk],
                    stock.quantity_allocated,
                )
                allocated = 0
            _stock_write(stock, quantity=stock.quantity, allocated=allocated)
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(quantity=0)
    _after_commit(touched)


def stock_ship(order: OrderRef, *, actor: User | None = None) -> None:
    """Deduct shipped units from on-hand and allocated together; one `sale` ledger row per stock row.

    Idempotent: shipped allocations have quantity 0, so a second call finds nothing open.
    """
    with transaction.atomic():
        touched, units, allocations = _open_allocations_locked(order)
        if not allocations:
            return
        for stock in touched:
            shipped = units[stock.pk]
            if shipped > stock.quantity_allocated:
                raise Conflict(
                    _("Stock of %(sku)s is inconsistent; run inventory_check.")
                    % {"sku": stock.variant.sku},
                    code="stock_inconsistent",
                )
            before = stock.quantity
            _stock_write(
                stock,
                quantity=before - shipped,
                allocated=stock.quantity_allocated - shipped,
            )
            _ledger_write(
                stock,
                before=before,
                after=stock.quantity,
                reason=Reason.SALE,
                reference=order.number,
                actor=actor,
            )
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(quantity=0)
    _after_commit(touched)


def stock_release_lines(
    order: OrderRef, quantities: dict[int, int], *, actor: User | None = None
) -> None:
    """Give back `quantities[line_id]` units of some lines' open allocations (an after-sales refund
    of part of an order that has not shipped). Stock rows, then allocations, in pk order; more
    than a line still holds releases what it holds."""
    wanted = {line_id: units for line_id, units in quantities.items() if units > 0}
    if not wanted:
        return
    with transaction.atomic():
        stock_ids = set(
            Allocation.objects.filter(
                order_line__order_id=order.pk, order_line_id__in=list(wanted), quantity__gt=0
            ).values_list("stock_id", flat=True)
        )
        if not stock_ids:
            return
        stocks = locks.stocks_lock(pk__in=stock_ids)
        allocations = [a for a in locks.allocations_lock(order) if a.order_line_id in wanted]
        left = dict(wanted)
        released: dict[int, int] = defaultdict(int)
        for allocation in allocations:
            take = min(allocation.quantity, left.get(allocation.order_line_id, 0))
            if take <= 0:
                continue
            left[allocation.order_line_id] -= take
            released[allocation.stock_id] += take
            Allocation.objects.filter(pk=allocation.pk).update(quantity=allocation.quantity - take)
        touched = [stock for stock in stocks if released.get(stock.pk)]
        for stock in touched:
            allocated = max(stock.quantity_allocated - released[stock.pk], 0)
            _stock_write(stock, quantity=stock.quantity, allocated=allocated)
    _after_commit(touched)


def stock_return(
    lines: Sequence[tuple[AllocationLine, int]],
    *,
    reference: str = "",
    actor: User | None = None,
    note: str = "",
) -> list[StockMovement]:
    """Goods a customer sent back go on the shelf again: one `return` ledger row per line, into
    the stock row the line was allocated from (else the variant's first active warehouse by
    priority). A line whose variant is gone is skipped. Stock rows are locked in pk order."""
    wanted = [(line, units) for line, units in lines if units > 0 and line.variant_id is not None]
    if not wanted:
        return []
    target: dict[int, int] = {}
    for line, _units in wanted:
        allocation = (
            Allocation.objects.filter(order_line_id=line.pk)
            .order_by("-quantity_original", "pk")
            .values_list("stock_id", flat=True)
            .first()
        )
        if allocation is None:
            allocation = (
                Stock.objects.filter(variant_id=line.variant_id, warehouse__is_active=True)
                .order_by("warehouse__priority", "warehouse__code", "pk")
                .values_list("pk", flat=True)
                .first()
            )
        if allocation is None:
            raise InvalidStockChange(
                _("There is no stock row to return %(sku)s to.") % {"sku": line.sku}
            )
        target[line.pk] = allocation
    movements = []
    with transaction.atomic():
        stocks = {stock.pk: stock for stock in locks.stocks_lock(pk__in=set(target.values()))}
        for line, units in wanted:
            stock = stocks[target[line.pk]]
            before = stock.quantity
            if before + units > MAX_ON_HAND:
                raise InvalidStockChange(_("On hand would exceed the largest storable quantity."))
            _stock_write(stock, quantity=before + units, allocated=stock.quantity_allocated)
            movements.append(
                _ledger_write(
                    stock,
                    before=before,
                    after=stock.quantity,
                    reason=Reason.RETURN,
                    reference=reference,
                    actor=actor,
                    note=note,
                )
            )
    _after_commit(stocks.values())
    return movements


# --- manual changes ------------------------------------------------------------------------------


def _stock_change(
    variant: ProductVariant,
    *,
    warehouse: Warehouse,
    delta: int,
    reason: str,
    actor: User | None = None,
    note: str = "",
    reference: str = "",
) -> Stock:
    with transaction.atomic():
        if delta > 0:
            # get_or_create survives a concurrent insert of the same row (it retries the get).
            Stock.objects.get_or_create(variant=variant, warehouse=warehouse)
        stocks = locks.stocks_lock(variant=variant, warehouse=warehouse)
        if not stocks:
            raise StockBelowAllocated(_("There is no stock of this variant in this warehouse."))
        stock = stocks[0]
        before = stock.quantity
        after = before + delta
        if after > MAX_ON_HAND:
            raise InvalidStockChange(_("On hand would exceed the largest storable quantity."))
        if after < stock.quantity_allocated:
            raise StockBelowAllocated(
                _("On hand would be %(after)d but %(allocated)d units are allocated to orders.")
                % {"after": after, "allocated": stock.quantity_allocated},
                extra={
                    "quantity": before,
                    "quantity_allocated": stock.quantity_allocated,
                    "available": stock.available,
                },
            )
        _stock_write(stock, quantity=after, allocated=stock.quantity_allocated)
        _ledger_write(
            stock,
            before=before,
            after=after,
            reason=reason,
            reference=reference,
            actor=actor,
            note=note,
        )
    _after_commit([stock])
    return stock


def stock_receive(
    variant: ProductVariant,
    *,
    warehouse: Warehouse,
    quantity: int,
    actor: User | None = None,
    note: str = "",
    reference: str = "",
) -> Stock:
    """Goods arrived (a purchase): creates the stock row if missing; ledger reason `purchase`."""
    if quantity <= 0:
        raise InvalidStockChange(_("Received quantity must be positive."))
    return _stock_change(
        variant,
        warehouse=warehouse,
        delta=quantity,
        reason=Reason.PURCHASE,
        actor=actor,
        note=note,
        reference=reference,
    )


def stock_receive_opening(
    warehouse: Warehouse,
    *,
    quantities: dict[int, int],
    actor: User | None = None,
    reference: str = "",
    note: str = "",
) -> list[int]:
    """Opening stock for variants that have no row in `warehouse` yet (an import, demo data).

    Writes what stock_receive writes for a new row (a Stock row and one balanced `purchase` ledger
    row each) in two bulk INSERTs, because a call per variant makes a catalogue import of thousands
    of variants take minutes. Variants that already have a row here are skipped: their changes must
    go through stock_receive / stock_adjust. Returns the ids of the new stock rows.
    """
    wanted = {int(pk): int(qty) for pk, qty in quantities.items() if int(qty) > 0}
    if any(qty > MAX_ON_HAND for qty in wanted.values()):
        raise InvalidStockChange(_("Received quantity is too large."))
    with transaction.atomic():
        existing = set(
            Stock.objects.filter(warehouse=warehouse, variant_id__in=list(wanted)).values_list(
                "variant_id", flat=True
            )
        )
        new = {pk: qty for pk, qty in wanted.items() if pk not in existing}
        Stock.objects.bulk_create(
            [Stock(variant_id=pk, warehouse=warehouse, quantity=qty) for pk, qty in new.items()],
            batch_size=500,
        )
        stocks = list(
            Stock.objects.filter(warehouse=warehouse, variant_id__in=list(new))
            .select_related("variant")
            .only("pk", "quantity", "variant__product_id")
        )
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    stock=stock,
                    reason=Reason.PURCHASE,
                    delta=stock.quantity,
                    quantity_before=0,
                    quantity_after=stock.quantity,
                    reference=(reference or "")[:64],
                    user=_actor_or_none(actor),
                    note=(note or "")[:255],
                )
                for stock in stocks
            ],
            batch_size=500,
        )
        _after_commit(stocks)
    return [stock.pk for stock in stocks]


def stock_adjust_validate(delta: int, *, reason: str) -> None:
    """The sign must fit the reason: purchases and returns add units, damage removes them, and an
    `adjustment` (a stock count) goes either way. `sale` is not a manual reason: sales are
    written only by stock_ship, so the ledger's sales match shipped orders."""
    if reason not in ADJUST_REASONS:
        raise InvalidStockChange(
            _("Reason must be one of: %(reasons)s.") % {"reasons": ", ".join(ADJUST_REASONS)}
        )
    if delta == 0:
        raise InvalidStockChange(_("The change must not be zero."))
    if reason in (Reason.PURCHASE, Reason.RETURN) and delta < 0:
        raise InvalidStockChange(_("A purchase or return adds units; the change must be positive."))
    if reason == Reason.DAMAGE and delta > 0:
        raise InvalidStockChange(_("Damage removes units; the change must be negative."))


def stock_adjust(
    variant: ProductVariant,
    *,
    warehouse: Warehouse,
    delta: int,
    reason: str,
    actor: User | None = None,
    note: str = "",
) -> Stock:
    """A person changes on-hand units; never below what is allocated (StockBelowAllocated, 409)."""
    stock_adjust_validate(delta, reason=reason)
    return _stock_change(
        variant, warehouse=warehouse, delta=delta, reason=reason, actor=actor, note=note
    )


def stock_count_set(
    variant: ProductVariant,
    *,
    warehouse: Warehouse,
    quantity: int,
    actor: User | None = None,
    note: str = "",
    reference: str = "",
) -> Stock | None:
    """On-hand set to a counted `quantity` (an opening balance, a stocktake, an import): the
    difference from the locked row is one `adjustment` through the same path as stock_adjust, so
    it has its ledger row and never goes below what orders hold. Nothing to change -> no write;
    no row and a count of 0 -> None."""
    if quantity < 0 or quantity > MAX_ON_HAND:
        raise InvalidStockChange(
            _("The counted quantity must be between 0 and %(max)d.") % {"max": MAX_ON_HAND}
        )
    with transaction.atomic():
        stocks = locks.stocks_lock(variant=variant, warehouse=warehouse)
        current = stocks[0].quantity if stocks else 0
        delta = quantity - current
        if delta == 0:
            return stocks[0] if stocks else None
        return _stock_change(
            variant,
            warehouse=warehouse,
            delta=delta,
            reason=Reason.ADJUSTMENT,
            actor=actor,
            note=note,
            reference=reference,
        )


def stock_allocation_repair(stock_ids: Iterable[int] | None = None) -> list[tuple[Stock, int, int]]:
    """Set quantity_allocated to the sum of open allocations where they disagree (inventory_check
    --fix). Returns (stock, old, new) per repaired row; rows whose open allocations exceed on-hand
    cannot satisfy the constraints and are left for a person (logged)."""
    open_sum = Coalesce(Sum("allocations__quantity", filter=Q(allocations__quantity__gt=0)), 0)
    repaired = []
    with transaction.atomic():
        filters = {} if stock_ids is None else {"pk__in": list(stock_ids)}
        stocks = locks.stocks_lock(**filters)
        sums = dict(
            Stock.objects.filter(pk__in=[s.pk for s in stocks])
            .annotate(open_units=open_sum)
            .values_list("pk", "open_units")
        )
        for stock in stocks:
            expected = sums.get(stock.pk, 0)
            if expected == stock.quantity_allocated:
                continue
            if expected > stock.quantity:
                logger.error(
                    "stock %s: open allocations %s exceed on hand %s; not repaired",
                    stock.pk,
                    expected,
                    stock.quantity,
                )
                continue
            old = stock.quantity_allocated
            _stock_write(stock, quantity=stock.quantity, allocated=expected)
            logger.warning(
                "stock %s: quantity_allocated repaired %s -> %s", stock.pk, old, expected
            )
            repaired.append((stock, old, expected))
    _after_commit([stock for stock, _old, _new in repaired])
    return repaired


# --- low-stock alerts ----------------------------------------------------------------------------


def stock_alerts_check(stock_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Raise, re-level and resolve low-stock alerts for these stock rows (all when None).

    Idempotent and safe to run concurrently: open alerts are locked in pk order, and the one-open-
    alert-per-row unique constraint makes a racing duplicate insert a no-op. Rows in inactive
    warehouses do not count as low (nothing is sold from them), so their alerts resolve.
    """
    scope = Q() if stock_ids is None else Q(pk__in=list(stock_ids))
    now = timezone.now()
    counts = {"raised": 0, "resolved": 0, "updated": 0}
    alert_scope = Q() if stock_ids is None else Q(stock_id__in=list(stock_ids))

    def level_of(free: int) -> str:
        return StockAlert.Level.OUT if free <= 0 else StockAlert.Level.LOW

    with transaction.atomic():
        open_alerts = list(
            StockAlert.objects.select_for_update()
            .filter(alert_scope, resolved_at__isnull=True)
            .order_by("pk")
        )
        # Read in the transaction, so from the primary (core.db), after the lock: alerts are
        # resolved by what this reads, and a lagging replica would close the alert of a sale that
        # it has not seen yet.
        low = dict(
            Stock.objects.filter(scope, warehouse__is_active=True)
            .filter(quantity__lte=F("quantity_allocated") + F("low_stock_threshold"))
            .annotate(free=F("quantity") - F("quantity_allocated"))
            .values_list("pk", "free")
        )
        for alert in open_alerts:
            if alert.stock_id not in low:
                alert.resolved_at = now
                alert.save(update_fields=["resolved_at"])
                counts["resolved"] += 1
            elif alert.level != level_of(low[alert.stock_id]):
                alert.level = level_of(low[alert.stock_id])
                alert.save(update_fields=["level"])
                counts["updated"] += 1
        has_open = {alert.stock_id for alert in open_alerts if alert.resolved_at is None}
        new = [
            StockAlert(stock_id=pk, level=level_of(free))
            for pk, free in sorted(low.items())
            if pk not in has_open
        ]
        if new:
            StockAlert.objects.bulk_create(new, ignore_conflicts=True)
            counts["raised"] = len(new)
    return counts


def staff_emails() -> list[str]:
    """Where low-stock digests go: active staff users plus settings.SHOP_STAFF_EMAILS."""
    users = staff_users_with_email()
    emails = [*users.values_list("email", flat=True), *settings.SHOP_STAFF_EMAILS]
    return list(dict.fromkeys(email.strip() for email in emails if email and email.strip()))


def stock_alerts_notify() -> int:
    """Mail staff ONE digest of open alerts not yet mailed, then mark them mailed.

    The alerts are locked (skip_locked, so a second worker skips them rather than mailing them
    again) and the mail is sent before the transaction commits: if sending fails, the exception
    rolls back notified_at and the next run retries. This is the one deliberate exception to
    "side effects on commit": sending after commit would lose the digest when the mail server is
    down, and the only data at stake is the mark itself. Returns the number of alerts mailed.
    """
    recipients = staff_emails()
    if not recipients:
        logger.warning("low-stock alerts pending but no staff e-mail address is known")
        return 0
    with transaction.atomic():
        alerts = list(
            StockAlert.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("stock__variant__product", "stock__warehouse")
            .filter(resolved_at__isnull=True, notified_at__isnull=True)
            .order_by("-level", "stock__variant__sku", "pk")
        )
        if not alerts:
            return 0
        StockAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(notified_at=timezone.now())
        context = {"alerts": alerts, "shop_name": settings.SHOP_NAME, "site_url": settings.SITE_URL}
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string("inventory/email/low_stock_subject.txt", context)
            body = render_to_string("inventory/email/low_stock_digest.txt", context)
        send_mail(" ".join(subject.split()), body, None, recipients)
    return len(alerts)

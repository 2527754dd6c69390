"""Verify the stock numbers against their two sources of truth, and optionally repair one of them.

- quantity_allocated must equal the sum of the row's open allocations (quantity > 0);
- quantity must equal the sum of the row's ledger deltas;
- Product.in_stock must say whether some active variant has available units in an active warehouse.

Exits non-zero (CommandError) when a problem remains, so cron or CI can alert on it.
"""

import sys
from itertools import islice

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.queries import products_in_stock_drift
from catalog.services import products_refresh_in_stock
from inventory import services
from inventory.models import Stock
from inventory.queries import stock_allocation_drift, stock_ledger_drift

BATCH = 2000


def batched(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _label(stock: Stock) -> str:
    return f"stock {stock.pk} ({stock.variant.sku} @ {stock.warehouse.code})"


class Command(BaseCommand):
    help = "Check quantity_allocated against open allocations and quantity against the ledger."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix",
            action="store_true",
            help=(
                "Set quantity_allocated to the sum of open allocations where they differ, and "
                "recompute Product.in_stock where it is wrong."
            ),
        )

    def handle(self, *args, fix: bool = False, **options):
        problems = 0
        checked = 0
        pks = Stock.objects.order_by("pk").values_list("pk", flat=True)
        # disable=None: the bar shows on a terminal only, never in logs or tests.
        with tqdm(total=pks.count(), unit="rows", disable=None, file=sys.stderr) as bar:
            for chunk in batched(pks.iterator(chunk_size=BATCH), BATCH):
                drifted = {stock.pk: stock for stock in stock_allocation_drift(chunk)}
                repaired = set()
                if fix and drifted:
                    for stock, old, new in services.stock_allocation_repair(drifted):
                        repaired.add(stock.pk)
                        self.stdout.write(
                            f"fixed allocation drift: {_label(stock)}: "
                            f"quantity_allocated {old} -> {new}"
                        )
                for pk, stock in drifted.items():
                    if pk in repaired:
                        continue
                    problems += 1
                    self.stdout.write(
                        f"allocation drift: {_label(stock)}: quantity_allocated "
                        f"{stock.quantity_allocated}, open allocations {stock.open_units}"
                    )
                # Ledger drift is reported, never "fixed": the ledger is the audit trail and the
                # stored quantity a separate claim about the shelf. Which one is wrong (a write that
                # bypassed the services, a deleted ledger row, a bad import) takes a person and a
                # stock count to decide; the cure is then a counted `adjustment` through
                # stock_adjust, not a silent rewrite of either number.
                for stock in stock_ledger_drift(chunk):
                    problems += 1
                    self.stdout.write(
                        f"ledger drift: {_label(stock)}: quantity {stock.quantity}, "
                        f"ledger sums to {stock.ledger_units}"
                    )
                checked += len(chunk)
                bar.update(len(chunk))
        # After the allocation repairs, which change what is available.
        problems += self._check_in_stock(fix)
        if problems:
            raise CommandError(f"{problems} problem(s) in {checked} stock rows")
        self.stdout.write(self.style.SUCCESS(f"OK: {checked} stock rows consistent"))

    def _check_in_stock(self, fix: bool) -> int:
        """Report products whose stored in_stock is wrong; with --fix, recompute them. Returns the
        number of problems left."""
        drifted = list(products_in_stock_drift().values_list("pk", "slug", "in_stock"))
        for pk, slug, stored in drifted:
            verb = "fixed in_stock drift" if fix else "in_stock drift"
            self.stdout.write(
                f"{verb}: product {pk} ({slug}): stored {stored}, stock says {not stored}"
            )
        if fix and drifted:
            products_refresh_in_stock([pk for pk, _slug, _stored in drifted])
            return 0
        return len(drifted)

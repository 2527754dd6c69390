from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from inventory import services
from inventory.models import Stock
from inventory.tests.helpers import assert_invariants
from orders.tests.factories import order_with_lines

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("inventory_check", *args, stdout=out)
    return out.getvalue()


def test_consistent_data_passes(stocked, variant):
    order, lines = order_with_lines([(variant, 3)])
    services.stock_allocate(lines)
    services.stock_ship(order)
    services.stock_allocate(order_with_lines([(variant, 2)])[1])
    assert "OK: 1 stock rows consistent" in run()


def test_detects_corruption_and_fixes_allocation_drift_only(stocked, variant, warehouse):
    services.stock_allocate(order_with_lines([(variant, 3)])[1])
    # Writes that bypass the services, as a buggy script would.
    Stock.objects.filter(pk=stocked.pk).update(quantity_allocated=5, quantity=12)

    out = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("inventory_check", stdout=out)
    lines = out.getvalue().splitlines()
    assert (
        f"allocation drift: stock {stocked.pk} ({variant.sku} @ main): quantity_allocated 5, open allocations 3"
        in lines
    )
    assert (
        f"ledger drift: stock {stocked.pk} ({variant.sku} @ main): quantity 12, ledger sums to 10"
        in lines
    )

    out = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("inventory_check", "--fix", stdout=out)
    assert "quantity_allocated 5 -> 3" in out.getvalue()
    assert "ledger drift" in out.getvalue()
    assert Stock.objects.get(pk=stocked.pk).quantity_allocated == 3
    assert Stock.objects.get(pk=stocked.pk).quantity == 12  # ledger drift is not "fixed"

    Stock.objects.filter(pk=stocked.pk).update(quantity=10)
    assert "OK" in run()
    assert_invariants()


def test_exits_non_zero_from_the_shell(stocked):
    Stock.objects.filter(pk=stocked.pk).update(quantity_allocated=1)
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["manage.py", "inventory_check"]).execute()
    assert exc.value.code == 1

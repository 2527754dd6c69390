import pytest

from accounts.tests.factories import StaffFactory, UserFactory
from inventory import services, tasks
from inventory.models import StockAlert
from orders.tests.factories import order_with_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipients(settings):
    settings.SHOP_STAFF_EMAILS = ["ops@example.com"]
    StaffFactory(email="boss@example.com")
    UserFactory(email="customer@example.com")  # customers never get it


def test_alert_raised_once_mailed_once_resolved_after_restock(
    stocked, variant, warehouse, recipients, mailoutbox
):
    order, lines = order_with_lines([(variant, 6)])
    services.stock_allocate(lines)  # 4 left <= threshold 5

    expected = {"raised": 1, "resolved": 0, "updated": 0, "notified": 1, "in_stock_fixed": 0}
    assert tasks.low_stock_check() == expected
    alert = StockAlert.objects.get()
    assert (alert.level, alert.stock, alert.resolved_at) == ("low", stocked, None)
    assert alert.notified_at is not None
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert sorted(message.to) == ["boss@example.com", "ops@example.com"]
    assert variant.sku in message.body

    # Still low: nothing new, no repeat mail.
    expected = {"raised": 0, "resolved": 0, "updated": 0, "notified": 0, "in_stock_fixed": 0}
    assert tasks.low_stock_check() == expected
    assert len(mailoutbox) == 1

    # Out of stock: the same alert changes level, still no repeat mail.
    services.stock_allocate(order_with_lines([(variant, 4)])[1])
    assert tasks.low_stock_check()["updated"] == 1
    assert StockAlert.objects.get().level == "out"
    assert len(mailoutbox) == 1

    # Restock above the threshold: resolved; a later drop raises a NEW alert, mailed once.
    services.stock_release(order)
    assert tasks.low_stock_check()["resolved"] == 1
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    services.stock_adjust(
        variant, warehouse=warehouse, delta=-3, reason="damage"
    )  # 10 - 4 allocated - 3 => 3 available
    assert tasks.low_stock_check()["raised"] == 1
    assert StockAlert.objects.filter(resolved_at__isnull=True).count() == 1
    assert len(mailoutbox) == 2


def test_one_digest_for_many_alerts(warehouse, recipients, mailoutbox):
    from catalog.tests.factories import VariantFactory

    variants = [VariantFactory() for _ in range(3)]
    for v in variants:
        services.stock_receive(v, warehouse=warehouse, quantity=1)
    tasks.low_stock_check()
    assert len(mailoutbox) == 1
    assert all(v.sku in mailoutbox[0].body for v in variants)
    assert "3" in mailoutbox[0].subject


def test_alert_on_commit_of_a_stock_change(
    stocked, variant, warehouse, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.stock_adjust(variant, warehouse=warehouse, delta=-6, reason="adjustment")
    assert StockAlert.objects.get().level == "low"
    assert mailoutbox == []  # the digest waits for the periodic run


def test_failed_mail_is_retried(stocked, variant, warehouse, recipients, mailoutbox, monkeypatch):
    services.stock_adjust(variant, warehouse=warehouse, delta=-10, reason="adjustment")

    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr("inventory.services.send_mail", broken)
    with pytest.raises(OSError):
        tasks.low_stock_check()
    assert StockAlert.objects.get().notified_at is None
    monkeypatch.undo()
    tasks.low_stock_check()
    assert len(mailoutbox) == 1
    assert StockAlert.objects.get().notified_at is not None


def test_no_recipients_keeps_alerts_pending(stocked, variant, warehouse, settings, mailoutbox):
    settings.SHOP_STAFF_EMAILS = []
    services.stock_adjust(variant, warehouse=warehouse, delta=-10, reason="adjustment")
    assert tasks.low_stock_check()["notified"] == 0
    assert StockAlert.objects.get().notified_at is None


def test_inactive_warehouse_rows_do_not_alert(stocked, variant, warehouse):
    services.stock_adjust(variant, warehouse=warehouse, delta=-8, reason="adjustment")
    services.stock_alerts_check()
    warehouse.is_active = False
    warehouse.save()
    assert services.stock_alerts_check() == {"raised": 0, "resolved": 1, "updated": 0}

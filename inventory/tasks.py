"""Celery wrappers around inventory services: thin, idempotent, safe to run twice."""

from celery import shared_task

from catalog.services import products_refresh_in_stock
from inventory import services


@shared_task(name="inventory.tasks.low_stock_check")
def low_stock_check() -> dict[str, int]:
    """Periodic (settings.PERIODIC_TASKS): raise/resolve alerts for every row, mail one digest, and
    reconcile Product.in_stock with the stock (it is refreshed on commit of each stock change; this
    repairs a refresh lost to a crash between commit and refresh, or to a write that bypassed the
    services)."""
    counts = services.stock_alerts_check()
    counts["notified"] = services.stock_alerts_notify()
    counts["in_stock_fixed"] = products_refresh_in_stock()
    return counts


@shared_task(name="inventory.tasks.stock_alerts_check_task")
def stock_alerts_check_task(stock_ids: list[int]) -> dict[str, int]:
    """On commit of a stock change: alerts for the touched rows appear within seconds. The digest
    mail waits for the periodic run so a busy sale does not send one mail per order."""
    return services.stock_alerts_check(stock_ids)

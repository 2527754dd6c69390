"""Celery tasks of after-sales: thin wrappers around aftersales.services."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def aftersales_sweep() -> dict[str, int]:
    """Periodic (settings.PERIODIC_TASKS): auto-approve untouched refund-only requests, close
    returns never sent back, finish requests whose gateway refund settled."""
    from aftersales.services import aftersales_sweep as sweep

    outcomes = sweep()
    if outcomes:
        logger.info("aftersales_sweep: %s", outcomes)
    return outcomes


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def aftersales_email_send(event_id: int) -> bool:
    """Mail the customer about one change of their request (at most once per event)."""
    from aftersales.notifications import aftersales_event_email

    return aftersales_event_email(event_id)

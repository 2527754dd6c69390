"""Celery tasks of payments: thin, idempotent wrappers around payments.services."""

from __future__ import annotations

import logging

from celery import shared_task

from payments.models import Payment, Refund

logger = logging.getLogger(__name__)


@shared_task
def payments_reconcile() -> dict[str, int]:
    """Ask the gateways about payments that never got a notify and refunds still pending; each
    in its own transactions, so one failing provider does not stop the others."""
    from payments.services import (
        payment_reconcile,
        payments_due_for_reconcile,
        refund_reconcile,
    )

    payment_ids, refund_ids = payments_due_for_reconcile()
    outcomes: dict[str, int] = {}
    for payment in Payment.objects.filter(pk__in=payment_ids).order_by("pk"):
        try:
            outcome = payment_reconcile(payment)
        except Exception:  # one payment's surprise (an adapter bug, a clash) must not stop the rest
            logger.exception("payments_reconcile: payment %s", payment.out_trade_no)
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    for refund in Refund.objects.filter(pk__in=refund_ids).select_related("payment").order_by("pk"):
        try:
            outcome = "refund_" + refund_reconcile(refund)
        except Exception:
            logger.exception("payments_reconcile: refund %s", refund.out_request_no)
            outcome = "refund_error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if outcomes:
        logger.info("payments_reconcile: %s", outcomes)
    return outcomes

"""Celery tasks of recommendations: thin wrappers around recommendations.services (Beat:
settings.PERIODIC_TASKS)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def events_flush() -> int:
    """Write the buffered behaviour events (every 30 s)."""
    from recommendations.services import events_flush as flush

    return flush()


@shared_task
def recommendations_rebuild() -> dict[str, int]:
    """Recompute every stored list (nightly by default)."""
    from recommendations.services import recommendations_rebuild as rebuild

    return rebuild()


@shared_task
def events_prune() -> int:
    """Delete events older than the retention setting."""
    from recommendations.services import events_prune as prune

    return prune()

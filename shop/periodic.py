"""The shop's periodic tasks, from `settings.PERIODIC_TASKS`, written into django-celery-beat."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction


@transaction.atomic
def periodic_tasks_sync() -> list[str]:
    """Create or update one PeriodicTask per entry; running it again changes nothing.

    Tasks that staff disabled in the admin stay disabled: only the schedule and the task path are
    ours to set.
    """
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    written = []
    for name, spec in settings.PERIODIC_TASKS.items():
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=int(spec["every"]), period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": spec["task"], "interval": interval}
        )
        written.append(name)
    return written

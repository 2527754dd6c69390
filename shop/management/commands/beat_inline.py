"""Celery Beat for the embedded shop: with no broker, run each periodic task in this process when due.

With a broker, use the real `celery -A shop beat` instead; both read `settings.PERIODIC_TASKS`.
"""

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from shop.celery import app


class Command(BaseCommand):
    help = "Run the periodic tasks inline, on their schedule, until interrupted (embedded mode)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every task once and exit.")

    def handle(self, *args, once=False, **options):
        self._stop = False
        # Import every app's tasks module now (Celery's autodiscovery is lazy).
        app.loader.import_default_modules()
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "_stop", True))
        due = {name: 0.0 for name in settings.PERIODIC_TASKS}
        while not self._stop:
            now = time.monotonic()
            for name, spec in settings.PERIODIC_TASKS.items():
                if now >= due[name]:
                    self._run(name, spec["task"])
                    due[name] = now + int(spec["every"])
            if once:
                return
            time.sleep(1)

    def _run(self, name, task_path):
        task = app.tasks.get(task_path)
        if task is None:
            self.stderr.write(f"{name}: no such task {task_path!r}")
            return
        try:
            task.apply(throw=True)
        except Exception as exc:  # one failing task must not stop the schedule
            self.stderr.write(f"{name}: {exc!r}")

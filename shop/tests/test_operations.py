"""Operator-facing plumbing: periodic-task registration, the inline Beat, JSON request logs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_setup_periodic_tasks_registers_each_task_once_and_keeps_staff_pauses():
    call_command("setup_periodic_tasks")
    registered = dict(PeriodicTask.objects.values_list("name", "task"))
    assert registered == {name: spec["task"] for name, spec in settings.PERIODIC_TASKS.items()}
    expiry = PeriodicTask.objects.get(task="orders.tasks.orders_expire")
    assert (expiry.interval.every, expiry.interval.period) == (60, IntervalSchedule.SECONDS)

    # Staff paused one in the admin; registering again neither duplicates nor re-enables it.
    expiry.enabled = False
    expiry.save()
    call_command("setup_periodic_tasks")
    assert PeriodicTask.objects.count() == len(settings.PERIODIC_TASKS)
    assert PeriodicTask.objects.get(pk=expiry.pk).enabled is False


def test_every_periodic_task_names_a_real_celery_task():
    from shop.celery import app

    app.loader.import_default_modules()
    for name, spec in settings.PERIODIC_TASKS.items():
        assert spec["task"] in app.tasks, name


@pytest.mark.django_db
def test_beat_inline_once_runs_every_task():
    from shop.celery import app as current_app

    current_app.loader.import_default_modules()
    ran = []
    for spec in settings.PERIODIC_TASKS.values():
        task = current_app.tasks[spec["task"]]
        original = task.run
        task.run = lambda *a, _name=spec["task"], _orig=original, **kw: (
            ran.append(_name),
            _orig(*a, **kw),
        )
    try:
        call_command("beat_inline", "--once")
    finally:
        for spec in settings.PERIODIC_TASKS.values():
            task = current_app.tasks[spec["task"]]
            del task.run
    assert sorted(ran) == sorted(spec["task"] for spec in settings.PERIODIC_TASKS.values())


def test_production_logs_are_json_lines_with_the_request_fields(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    }
    env.update(LOG_FORMAT="json", SQLITE_PATH=str(tmp_path / "log.sqlite3"))
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "Client().get('/health/', HTTP_X_REQUEST_ID='trace-1')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "shop.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    [request] = [line for line in lines if line.get("logger") == "shop.request"]
    assert request["method"] == "GET"
    assert request["path"] == "/health/"
    assert request["status"] == 200
    assert request["request_id"] == "trace-1"
    assert request["duration_ms"] >= 0
    assert request["level"] == "INFO"

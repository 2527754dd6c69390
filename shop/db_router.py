"""Reads go to a replica when replicas are configured; writes and anything in a transaction go to the
primary, so a read inside `transaction.atomic()` sees the transaction's own writes.

A replica lags behind the primary, so a read right after a write could miss it (an order placed and
then "not found", a line added and an empty cart answered). Like django-multidb-router's pinning:
once a request (or a task, or a command) has written, its reads go to the primary for the rest of
it, and the next requests of the same client for `DATABASE_PRIMARY_PIN_SECONDS` too
(PrimaryPinMiddleware: a cookie for browsers, a short-lived cache key for API clients, keyed by their
Authorization header or guest cart token). The pin lives in a context variable, set fresh for each
request and each Celery task and reset at their end, so it never leaks to another request on the
same thread. A write is anything the ORM routes through `db_for_write` (save, create, update,
delete, select_for_update), in a transaction or in autocommit alike.

The pin itself (its context variables and the helpers domain code calls) is core.db; this module is
the router and the Celery wiring of the project.
"""

from __future__ import annotations

import contextlib
import random

from django.conf import settings
from django.db import connections

from core.db import begin, client_keys, end, pin_to_primary, pinned


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


class PrimaryReplicaRouter:
    def _replicas(self):
        return replicas()

    def db_for_read(self, model, **hints):
        replicas = self._replicas()
        if not replicas or pinned() or connections["default"].in_atomic_block:
            return "default"
        return random.choice(replicas)

    def db_for_write(self, model, **hints):
        pin_to_primary()
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


# --- Celery: each task is its own pin scope ------------------------------------------------------


def task_scope_begin(task_id=None, task=None, **kwargs) -> None:
    # A task run eagerly inside a request keeps the request's pin; a worker's task starts unpinned
    # and pins itself once it writes, so a worker thread never stays pinned for ever. A task that
    # a commit enqueues to act on what it wrote (`reads_primary = True`, a task option) starts
    # pinned: a worker picks it up at once, before a replica has the rows, and reading them there
    # it would find nothing to do (a mail skipped for an order "not found").
    keys = client_keys()
    inside_request = keys is not None
    start_pinned = (inside_request and pinned()) or bool(getattr(task, "reads_primary", False))
    tokens = begin(pinned=start_pinned, client_keys=keys)
    if task is not None:
        task.__dict__.setdefault("_db_pin_tokens", {})[task_id] = tokens


def task_scope_end(task_id=None, task=None, **kwargs) -> None:
    tokens = getattr(task, "_db_pin_tokens", {}).pop(task_id, None) if task is not None else None
    if tokens is not None:
        # ValueError: tokens of another context (the task finished elsewhere), nothing to restore.
        with contextlib.suppress(ValueError):
            end(tokens)

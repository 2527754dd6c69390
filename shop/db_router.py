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
"""

from __future__ import annotations

import contextlib
import hashlib
import random
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

# Reads of this context go to the primary (it wrote, or the client wrote a moment ago).
_pinned: ContextVar[bool] = ContextVar("db_pinned_to_primary", default=False)
# Whether this context wrote; the middleware extends the pin to the client's next requests.
_wrote: ContextVar[bool] = ContextVar("db_wrote_primary", default=False)
# The client keys of the current request (None outside requests), see PrimaryPinMiddleware.
_client_keys: ContextVar[set | None] = ContextVar("db_pin_client_keys", default=None)


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def pinned() -> bool:
    return _pinned.get()


def wrote() -> bool:
    return _wrote.get()


def pin_to_primary() -> None:
    """Send this context's reads to the primary from now on (db_for_write does it by itself)."""
    _pinned.set(True)
    _wrote.set(True)


def pin_reads() -> None:
    """Send this context's reads to the primary from now on, without counting as a write (the
    client's next requests stay unpinned). For answers that outlive the request, like a cache
    fill: built from a lagging replica after an invalidation, they would keep serving the old
    data long after the replica caught up."""
    _pinned.set(True)


def pin_client_key(kind: str, value) -> None:
    """Pin also the next requests that identify themselves by this key (e.g. a guest cart token
    the request just created and the client will send back as X-Cart-Token)."""
    keys = _client_keys.get()
    if keys is not None and value:
        keys.add(client_key(kind, value))


def client_key(kind: str, value) -> str:
    digest = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()
    return f"dbpin:{kind}:{digest}"


def begin(*, pinned: bool = False, client_keys: set | None = None):
    """Start a fresh pin scope (a request, a task); returns what `end` needs to restore."""
    return (_pinned.set(pinned), _wrote.set(False), _client_keys.set(client_keys))


def end(tokens) -> None:
    pinned_token, wrote_token, keys_token = tokens
    _pinned.reset(pinned_token)
    _wrote.reset(wrote_token)
    _client_keys.reset(keys_token)


class PrimaryReplicaRouter:
    def _replicas(self):
        return replicas()

    def db_for_read(self, model, **hints):
        replicas = self._replicas()
        if not replicas or _pinned.get() or connections["default"].in_atomic_block:
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
    inside_request = _client_keys.get() is not None
    pinned = (inside_request and _pinned.get()) or bool(getattr(task, "reads_primary", False))
    tokens = begin(pinned=pinned, client_keys=_client_keys.get())
    if task is not None:
        task.__dict__.setdefault("_db_pin_tokens", {})[task_id] = tokens


def task_scope_end(task_id=None, task=None, **kwargs) -> None:
    tokens = getattr(task, "_db_pin_tokens", {}).pop(task_id, None) if task is not None else None
    if tokens is not None:
        # ValueError: tokens of another context (the task finished elsewhere), nothing to restore.
        with contextlib.suppress(ValueError):
            end(tokens)

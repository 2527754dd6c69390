"""Helpers around transactions shared by the apps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction


def on_commit_robust(func: Callable[..., Any], *args: Any, using: str | None = None) -> None:
    """Run func(*args) after the commit; a failure is logged, never raised to the caller.

    For side effects leaving the database (cache, broker, mail): once the write is durable, a
    hiccup there must not turn the request into an error. Without a transaction (autocommit) Django
    runs the callback at once, with the same protection.

    Not a functools.partial: on failure Django logs the callback's __qualname__, which a partial
    lacks, and the AttributeError from that log line would reach the caller after all.
    """

    def callback() -> None:
        func(*args)

    callback.__qualname__ = getattr(func, "__qualname__", repr(func))
    transaction.on_commit(callback, using=using, robust=True)

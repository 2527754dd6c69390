"""Helpers for the admin lost-update tests: a change form's POST data as the browser would send it,
and a race that pauses the admin's UPDATE while a service commits on another connection."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from django import forms
from django.db import connection
from django.test import Client


def _encode(bound: forms.BoundField) -> str | list[str] | None:
    """What a browser posts for this bound field (None: nothing, like an unchecked box)."""
    field = bound.field
    if isinstance(field, forms.FileField):
        return None  # nothing uploaded keeps the stored file
    value = bound.value()
    if isinstance(field, forms.BooleanField):
        return "on" if value else None
    if isinstance(field, forms.MultiValueField):
        parts = value if isinstance(value, list) else field.widget.decompress(value)
        return [("" if p is None else str(p)) for p in parts]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return "" if value is None else str(value)


def _add(data: dict[str, Any], bound: forms.BoundField) -> None:
    value = _encode(bound)
    if value is None:
        return
    if isinstance(bound.field, forms.MultiValueField):
        for i, part in enumerate(value):
            data[f"{bound.html_name}_{i}"] = part
    else:
        data[bound.html_name] = value
    if bound.field.show_hidden_initial:  # the hidden "initial-" input a browser sends too
        data[bound.html_initial_name] = value


def change_form_data(client: Client, url: str, **changes: Any) -> dict[str, Any]:
    """GET the admin change page and return its form as POST data (inlines included), with
    `changes` applied: keys are field names, or inline field names like "variants-0-price"."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    data: dict[str, Any] = {"_save": "Save"}
    for bound in response.context["adminform"].form:
        _add(data, bound)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            _add(data, bound)
        for form in formset.forms:
            for bound in form:
                _add(data, bound)
    data.update(changes)
    return data


class QueryPause:
    """An execute_wrapper that holds this connection at its first query matching `pattern`
    (before it runs, or just after with `after`) until released."""

    def __init__(self, pattern: str, *, after: bool = False) -> None:
        self.pattern = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        self.after = after
        self.reached = threading.Event()
        self.release = threading.Event()
        self.sql: str | None = None

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if self.sql is not None or not self.pattern.match(sql):
            return execute(sql, params, many, context)
        self.sql = sql
        result = execute(sql, params, many, context) if self.after else None
        self.reached.set()
        self.release.wait(timeout=30)
        return result if self.after else execute(sql, params, many, context)


def update_of(table: str) -> str:
    return rf'^\s*UPDATE\s+"?{re.escape(table)}"?\s'


def race_admin_save(
    post: Callable[[], object],
    service: Callable[[], object],
    table: str | None = None,
    *,
    pattern: str | None = None,
    after: bool = False,
    service_may_fail: bool = False,
) -> tuple[Any, Any]:
    """Run `post` (the admin's request) on a thread whose UPDATE of `table` (or first query matching
    `pattern`) is paused; while it is held, run `service` on another thread (its own connection)
    and let it commit, then let the admin finish. A service that waits for a row lock the admin
    holds just finishes after it.

    Returns (admin response, service result); an exception in the admin is raised here, one in the
    service too unless `service_may_fail` (then it is returned).
    """
    if pattern is None:
        assert table is not None, "race_admin_save needs the table or the query pattern to pause"
        pattern = update_of(table)
    pause = QueryPause(pattern, after=after)
    results: dict[str, Any] = {}

    def run(name: str, function: Callable[[], object], wrapper: QueryPause | None = None) -> None:
        try:
            if wrapper is not None:
                with connection.execute_wrapper(wrapper):
                    results[name] = function()
            else:
                results[name] = function()
        except BaseException as exc:  # re-raised in the test's thread
            results[name] = exc
        finally:
            pause.reached.set()  # never leave the main thread waiting on a failed admin
            connection.close()

    admin = threading.Thread(target=run, args=("admin", post, pause))
    admin.start()
    assert pause.reached.wait(timeout=20), "the admin never reached its UPDATE"
    worker = threading.Thread(target=run, args=("service", service))
    worker.start()
    worker.join(timeout=3)  # commits now, unless it waits for a lock the admin holds
    pause.release.set()
    admin.join(timeout=30)
    worker.join(timeout=30)
    assert not admin.is_alive() and not worker.is_alive(), "a thread is stuck"
    for name in ("admin",) if service_may_fail else ("admin", "service"):
        if isinstance(results.get(name), BaseException):
            raise results[name]
    assert pause.sql is not None, "the admin never ran the paused query"
    return results["admin"], results["service"]

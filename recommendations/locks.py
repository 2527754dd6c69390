"""Locks of recommendations: the stored lists have one writer at a time."""

from __future__ import annotations

from django.db import connection

from recommendations.models import Recommendation


def lists_lock() -> None:
    """Hold the stored lists' table against other writers until the transaction ends (readers go
    on). On PostgreSQL two rebuilds (or a rebuild and a flush refreshing a for-you list) would each
    delete only the rows their snapshot saw, then both insert: every list twice. SQLite has one
    writer at a time already."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Recommendation._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")

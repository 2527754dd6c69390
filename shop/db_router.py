"""Reads go to a replica when replicas are configured; writes and anything in a transaction go to the
primary, so a read inside `transaction.atomic()` sees the transaction's own writes."""

import random

from django.conf import settings
from django.db import connections


class PrimaryReplicaRouter:
    def _replicas(self):
        return [alias for alias in settings.DATABASES if alias.startswith("replica_")]

    def db_for_read(self, model, **hints):
        replicas = self._replicas()
        if not replicas or connections["default"].in_atomic_block:
            return "default"
        return random.choice(replicas)

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"

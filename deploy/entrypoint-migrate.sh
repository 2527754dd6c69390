#!/bin/sh
# One-shot job before web starts: schema and periodic tasks, both idempotent.
set -e
python manage.py migrate --noinput
python manage.py setup_periodic_tasks

"""Celery app and tasks: scheduled re-imports, re-denormalisation and import history."""

"""Celery settings (lowercase Celery names only); values come from archive.config's environment."""
from celery.schedules import crontab

from archive.config import PROJECT_ROOT, load_settings

_settings = load_settings()

broker_url = _settings.broker_url
result_backend = _settings.result_backend
broker_connection_retry_on_startup = True
# Redis redelivers a task whose worker died only after this many seconds; tasks are idempotent,
# so an early redelivery of a slow task is harmless.
broker_transport_options = {"visibility_timeout": _settings.visibility_timeout}
result_expires = 24 * 3600

task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]
timezone = "UTC"
enable_utc = True

# A task is acknowledged after it ran, and given back if its worker dies: at-least-once, so every
# task is idempotent.
task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1
task_track_started = True

beat_schedule_filename = str(PROJECT_ROOT / "var" / "celerybeat-schedule")
beat_schedule = {
    "reimport": {"task": "jobs.tasks.reimport", "schedule": _settings.reimport_interval},
    "refresh-tag-counts": {"task": "jobs.tasks.refresh_tag_counts", "schedule": _settings.tag_counts_interval},
    "rebuild-indexes": {"task": "jobs.tasks.rebuild_indexes", "schedule": crontab(hour=_settings.rebuild_hour, minute=0)},
}

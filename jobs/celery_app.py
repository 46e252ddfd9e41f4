"""The Celery app, and this process's Store, opened after fork in each worker process."""
from __future__ import annotations

from celery import Celery
from celery.signals import worker_process_init, worker_process_shutdown

from archive.config import load_settings

app = Celery("notes_archive", include=["jobs.tasks"])
app.config_from_object("celeryconfig")

_store = None


@worker_process_init.connect
def _open_store(**_):
    """Open the Cassandra session in each pool process, after the fork (never at import)."""
    global _store
    from archive import storage

    _store = storage.connect(load_settings())


@worker_process_shutdown.connect
def _close_store(**_):
    global _store
    if _store is not None:
        _store.close()
        _store = None


def get_store():
    """Return this process's Store, opening it on first use (solo pool, beat, the CLI)."""
    global _store
    if _store is None:
        from archive import storage

        _store = storage.connect(load_settings())
    return _store

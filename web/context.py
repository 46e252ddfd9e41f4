"""Per-process resources of the web app: the Store, opened lazily, and the settings."""
from __future__ import annotations

import os
import threading

from flask import current_app

from archive.config import Settings
from archive.domain import ArchiveError, SchemaMissing


class StoreUnavailable(ArchiveError):
    """The archive's keyspace cannot be opened (the web layer answers 503)."""


class StoreHolder:
    """Open the process's Store on first use, never at import or factory time.

    gunicorn imports the app and then forks its workers; a Cassandra session made before the fork
    would be shared by every worker and its sockets and threads would not survive. Opening on the
    first request means each worker opens its own, whatever the server does (even --preload). The
    pid check also reopens in a child that inherited a Store opened by its parent.
    """

    def __init__(self, settings: Settings, store=None):
        self.settings = settings
        self._store = store
        self._pid = os.getpid() if store is not None else None
        self._lock = threading.Lock()  # gthread workers may serve their first requests at once

    def get(self):
        """Return this process's Store, opening it if needed."""
        if self._store is None or self._pid != os.getpid():
            with self._lock:
                if self._store is None or self._pid != os.getpid():
                    from archive import storage

                    try:
                        self._store = storage.connect(self.settings)
                    except SchemaMissing as exc:  # a missing keyspace is not a missing page
                        raise StoreUnavailable(str(exc)) from exc
                    self._pid = os.getpid()
        return self._store


def settings() -> Settings:
    """Return the settings of the current app."""
    return current_app.config["NOTES_SETTINGS"]


def store():
    """Return the current app's Store (opened on first use in this process)."""
    return current_app.extensions["notes_store"].get()


def secret() -> str:
    """Return the key that signs pagination cursors."""
    return settings().secret_key

"""Per-process resources of the web app: the Store, opened lazily, and the settings."""
from __future__ import annotations

import os
import threading
from typing import Callable

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

    The pages read through a remembering view of the Store (`Store.remembering`): what changes only
    with the generation (a list's months, the years) is read once per generation, as `generation()`
    (the caching clock's, set by the app factory) names it. A Store passed in (tests, benchmarks) is
    not changed: whoever else holds it reads as before.
    """

    def __init__(self, settings: Settings, store=None):
        self.settings = settings
        self._store = store
        self._view = None
        self._pid = os.getpid() if store is not None else None
        self._lock = threading.Lock()  # gthread workers may serve their first requests at once
        self.generation: Callable[[], str | None] | None = None

    def get(self):
        """Return this process's Store (a view remembering per generation, once `generation` is set),
        opening it if needed."""
        if self._view is None or self._pid != os.getpid():
            with self._lock:
                if self._view is None or self._pid != os.getpid():
                    if self._store is None or self._pid != os.getpid():
                        self._store = self._connect()
                        self._pid = os.getpid()
                    self._view = self._store if self.generation is None else self._store.remembering(self.generation)
        return self._view

    def _connect(self):
        from archive import storage

        try:
            return storage.connect(self.settings)
        except SchemaMissing as exc:  # a missing keyspace is not a missing page
            raise StoreUnavailable(str(exc)) from exc


def settings() -> Settings:
    """Return the settings of the current app."""
    return current_app.config["NOTES_SETTINGS"]


def store():
    """Return the current app's Store (opened on first use in this process)."""
    return current_app.extensions["notes_store"].get()


def secret() -> str:
    """Return the key that signs pagination cursors."""
    return settings().secret_key

"""Has the database changed? `Watcher`, a connection whose change token (the engine's: SQLite's `PRAGMA
data_version`, PostgreSQL's WAL insert position) moves whenever anything was committed to the store, and
`ChangeWatch`, a process-wide generation number built on it.

`ChangeWatch.generation()` costs one change-token query on a connection that only watches (`Watcher`): the
generation goes up once per commit of any connection, in any process, and the first call after a commit sees it, on
whichever thread: a value computed after reading generation `g` is never older than `g`. (Each thread comparing the
token of its own connection counted one commit once per thread: with the API's thread pool, one commit emptied the
cache dozens of times.)
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from .db import Connection, Store
from .engines import Engine


class Watcher:
    """A connection of its own that only reads the engine's change token (one at a time): its token moves once
    per commit of any other connection, in this process or another — comparable across threads, unlike the tokens
    of each thread's own connection (which would report one commit once per thread)."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    def token(self) -> Any:
        with self._lock:
            if self._conn is None:
                self._conn = self._engine.connect()
                # closed with the watcher even when its owner never calls close() (a cache dropped with its service)
                self._finalizer = weakref.finalize(self, self._engine.close, self._conn)
            return self._engine.change_token(self._conn)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._finalizer()  # closes it (once)
                self._conn = None


class ChangeWatch:
    """A process-wide generation number that goes up once per commit (any connection, any process), read through
    one `Watcher`."""

    def __init__(self, store: Store):
        self.store = store
        self._watcher = Watcher(store.engine)
        self._lock = threading.Lock()
        self._token: Any = None
        self._generation = 0

    def generation(self) -> int:
        token = self._watcher.token()
        with self._lock:
            if token != self._token:
                self._token = token
                self._generation += 1
            return self._generation

    def close(self) -> None:
        self._watcher.close()

"""Has the database changed? `Watcher`, a connection whose `PRAGMA data_version` token moves whenever anything was
committed to the file, and `ChangeWatch`, a process-wide generation number built on it.

`ChangeWatch.generation()` costs one `PRAGMA data_version` on a connection that only watches (`Watcher`): the
generation goes up once per commit of any connection, in any process, and the first call after a commit sees it, on
whichever thread: a value computed after reading generation `g` is never older than `g`. (Each thread comparing the
token of its own connection counted one commit once per thread: with the API's thread pool, one commit emptied the
cache dozens of times.)
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from .db import Store, connect


class Watcher:
    """A connection of its own that only reads `PRAGMA data_version` (one at a time): its token moves exactly once
    per commit of any other connection, in this process or another — comparable across threads, unlike the tokens
    of each thread's own connection (which would report one commit once per thread)."""

    def __init__(self, path: Path | str):
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def token(self) -> int:
        with self._lock:
            if self._conn is None:
                self._conn = connect(self._path)
            return self._conn.execute("PRAGMA data_version").fetchall()[0][0]  # all: no statement left open

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class ChangeWatch:
    """A process-wide generation number that goes up once per commit (any connection, any process), read through
    one `Watcher`."""

    def __init__(self, store: Store):
        self.store = store
        self._watcher = Watcher(store.path)
        self._lock = threading.Lock()
        self._token: int | None = None
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

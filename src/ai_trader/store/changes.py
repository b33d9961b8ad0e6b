"""Has the database changed? A per-connection token that moves whenever anything was committed to the store, and
`ChangeWatch`, a process-wide generation number built on it.

`ChangeWatch.generation()` costs one `change_token` on the calling thread's connection: each thread remembers the
token it saw last, and the first time a thread sees a different one the process-wide generation goes up. Every
commit (any connection, any process) is therefore noticed by the first call after it, on whichever thread: a value
computed after reading generation `g` is never older than `g`.
"""

from __future__ import annotations

import threading
from typing import Any

from .db import Store


def change_token(store: Store) -> Any:
    """The calling thread's connection's token, O(1), outside a transaction (engines.py: SQLite's
    `(PRAGMA data_version, total_changes)`, PostgreSQL's WAL insert position). It changes when ANY connection (this
    process or another) commits; tokens of different connections are not comparable."""
    return store.change_token()


class ChangeWatch:
    def __init__(self, store: Store):
        self.store = store
        self._local = threading.local()
        self._lock = threading.Lock()
        self._generation = 0

    def generation(self) -> int:
        conn = self.store.conn()
        token = change_token(self.store)
        local = self._local
        with self._lock:
            if getattr(local, "conn", None) is not conn or local.token != token:
                local.conn, local.token = conn, token
                self._generation += 1
            return self._generation

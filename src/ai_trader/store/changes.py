"""Has the database changed? A per-connection token that moves whenever anything was committed to the file, and
`ChangeWatch`, a process-wide generation number built on it.

`ChangeWatch.generation()` costs one `change_token` on the calling thread's connection: each thread remembers the
token it saw last, and the first time a thread sees a different one the process-wide generation goes up. Every
commit (any connection, any process) is therefore noticed by the first call after it, on whichever thread: a value
computed after reading generation `g` is never older than `g`.
"""

from __future__ import annotations

import sqlite3
import threading

from .db import Store


def change_token(conn: sqlite3.Connection) -> tuple[int, int]:
    """`(PRAGMA data_version, total_changes)` of this connection, O(1), outside a transaction.

    `data_version` changes when ANY other connection (this process or another) commits to the database file;
    `total_changes` grows with this connection's own writes. Tokens of different connections are not comparable.
    """
    return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes


class ChangeWatch:
    def __init__(self, store: Store):
        self.store = store
        self._local = threading.local()
        self._lock = threading.Lock()
        self._generation = 0

    def generation(self) -> int:
        conn = self.store.conn()
        token = change_token(conn)
        local = self._local
        with self._lock:
            if getattr(local, "conn", None) is not conn or local.token != token:
                local.conn, local.token = conn, token
                self._generation += 1
            return self._generation

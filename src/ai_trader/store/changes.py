"""Has the database changed? A per-connection token that moves whenever anything was committed to the file."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from .db import connect


def change_token(conn: sqlite3.Connection) -> tuple[int, int]:
    """`(PRAGMA data_version, total_changes)` of this connection, O(1), outside a transaction.

    `data_version` changes when ANY other connection (this process or another) commits to the database file;
    `total_changes` grows with this connection's own writes. Tokens of different connections are not comparable.
    """
    return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes


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

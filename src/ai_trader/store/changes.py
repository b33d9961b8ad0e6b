"""Has the database changed? A per-connection token that moves whenever anything was committed to the file."""

from __future__ import annotations

import sqlite3


def change_token(conn: sqlite3.Connection) -> tuple[int, int]:
    """`(PRAGMA data_version, total_changes)` of this connection, O(1), outside a transaction.

    `data_version` changes when ANY other connection (this process or another) commits to the database file;
    `total_changes` grows with this connection's own writes. Tokens of different connections are not comparable.
    """
    return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes

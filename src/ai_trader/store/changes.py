"""Has the database changed? A per-connection token that moves whenever anything was committed to the store."""

from __future__ import annotations

from typing import Any

from .db import Store


def change_token(store: Store) -> Any:
    """The calling thread's connection's token, O(1), outside a transaction (engines.py: SQLite's
    `(PRAGMA data_version, total_changes)`, PostgreSQL's WAL insert position). It changes when ANY connection (this
    process or another) commits; tokens of different connections are not comparable."""
    return store.change_token()

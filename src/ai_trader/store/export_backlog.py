"""SQL of `export_backlog` (migration 0015): signatures whose AI-Trader export files are owed. Inside the caller's
transaction; timestamps are passed in (ISO-8601 UTC strings, compared as text)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from .db import Connection


@dataclass(frozen=True)
class OwedExport:
    signature: str
    mark: str  # changes with every `owe`: clearing needs the mark the files were written for
    owed_since: str
    failed_at: str | None
    error: str | None


def owe(conn: Connection, signature: str, at: str) -> tuple[str, bool]:
    """Mark the signature's files owed; (the new mark, whether they were owed already: then an earlier write is
    missing too and the whole signature must be rewritten)."""
    before = conn.execute("SELECT 1 FROM export_backlog WHERE signature = ?", (signature,)).fetchone()
    mark = secrets.token_hex(8)
    conn.execute(
        "INSERT INTO export_backlog (signature, mark, owed_since) VALUES (?, ?, ?) "
        "ON CONFLICT (signature) DO UPDATE SET mark = excluded.mark",
        (signature, mark, at),
    )
    return mark, before is not None


def failed(conn: Connection, signature: str, at: str, error: str) -> None:
    """A write of the signature's files failed (marks it owed if it was not)."""
    conn.execute(
        "INSERT INTO export_backlog (signature, mark, owed_since, failed_at, error) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (signature) DO UPDATE SET failed_at = excluded.failed_at, error = excluded.error",
        (signature, secrets.token_hex(8), at, at, error[:500]),
    )


def settle(conn: Connection, signature: str, mark: str) -> bool:
    """The files were written for `mark`: clear it, unless the signature was marked again meanwhile."""
    return conn.execute("DELETE FROM export_backlog WHERE signature = ? AND mark = ?", (signature, mark)).rowcount > 0


def owed(conn: Connection) -> list[OwedExport]:
    rows = conn.execute(
        "SELECT signature, mark, owed_since, failed_at, error FROM export_backlog ORDER BY owed_since, signature"
    )
    return [OwedExport(*r) for r in rows]


def due(conn: Connection, *, stale_before: str) -> list[OwedExport]:
    """Owed and not just being written: a write failed, or the mark is older than `stale_before` (a process died
    between a commit and its files)."""
    return [o for o in owed(conn) if o.failed_at is not None or o.owed_since < stale_before]

"""SQLite connections (WAL, foreign keys, busy timeout), numbered migrations, transactions.

One connection per thread: `Store.conn()` returns the calling thread's connection. Writes go
through `Store.write()` (BEGIN IMMEDIATE ... COMMIT / ROLLBACK) so one unit of work is one transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_MS = 30_000

# The names the rest of the package uses: nothing outside store/ imports the driver.
Connection = sqlite3.Connection
DatabaseError = sqlite3.Error
OperationalError = sqlite3.OperationalError


def is_busy(exc: BaseException) -> bool:
    """The database was locked past the busy timeout: trying again later is the cure."""
    return isinstance(exc, OperationalError) and any(w in str(exc) for w in ("locked", "busy"))


def connect(path: Path | str) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _migrations() -> list[tuple[int, str]]:
    found = []
    for entry in resources.files("ai_trader.store.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every numbered migration newer than the recorded schema version; return the version."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
    for version, sql in _migrations():
        if version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            again = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
            if version > again:  # another process may have migrated meanwhile
                for statement in _split(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_version(version, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                    (version,),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current = version
    return current


def _split(sql: str) -> list[str]:
    parts, buf = [], []
    for line in sql.splitlines():
        if line.strip().startswith("--"):
            continue
        buf.append(line)
        if sqlite3.complete_statement("\n".join(buf)):
            stmt = "\n".join(buf).strip()
            if stmt:
                parts.append(stmt)
            buf = []
    if "\n".join(buf).strip():
        parts.append("\n".join(buf).strip())
    return parts


def chunks(ids: list[int], n: int = 500) -> Iterator[list[int]]:
    """`ids` in slices of at most `n` (SQLite's bound-parameter limit)."""
    for i in range(0, len(ids), n):
        yield ids[i : i + n]


def in_clause(column: str, values: Sequence[Any]) -> str:
    """`column IN (?,?,...)` with one placeholder per value."""
    return f"{column} IN ({','.join('?' * len(values))})"


class Store:
    """The database file. Thread-safe: each thread gets its own connection."""

    def __init__(self, path: Path | str, *, migrate_on_open: bool = True):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        if migrate_on_open:
            migrate(self.conn())

    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = connect(self.path)
            self._local.conn = c
            with self._lock:
                self._all.append(c)
        return c

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): all or nothing."""
        c = self.conn()
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        else:
            c.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent read snapshot (BEGIN DEFERRED)."""
        c = self.conn()
        c.execute("BEGIN")
        try:
            yield c
        finally:
            c.execute("COMMIT")

    def schema_version(self) -> int:
        return self.conn().execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            for c in self._all:
                try:
                    c.close()
                except sqlite3.Error:
                    pass
            self._all.clear()
        self._local = threading.local()

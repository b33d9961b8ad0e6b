"""The store: connections (one per thread), numbered migrations, transactions — on SQLite or PostgreSQL.

`Store(url_or_path)` opens `sqlite:///PATH` (or a plain path: a SQLite file, WAL, foreign keys, busy timeout) or
`postgresql://…`; what differs between the two lives in `store/engines.py`. `Store.conn()` returns the calling
thread's connection. Writes go through `Store.write()` (one transaction holding the store's write lock: SQLite's
BEGIN IMMEDIATE, PostgreSQL's advisory lock) so one unit of work is one transaction.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from .db_errors import DatabaseError, OperationalError, is_busy, is_disconnect, is_transient
from .engines import BUSY_TIMEOUT_MS, Connection, Cursor, Engine, Row, SqliteEngine, engine_for

# The names the rest of the package uses: nothing outside store/ imports a driver.
__all__ = [
    "BUSY_TIMEOUT_MS",
    "Connection",
    "Cursor",
    "DatabaseError",
    "OperationalError",
    "Row",
    "Store",
    "connect",
    "is_busy",
    "is_disconnect",
    "is_transient",
    "migrate",
]


def connect(path: Path | str) -> Connection:
    """A connection of its own to the store at `path` (a SQLite path or a URL), outside any `Store`."""
    return engine_for(path).connect()


def _migrations(engine: str = "sqlite") -> list[tuple[int, str]]:
    """(version, SQL) in order; a `NNNN_name.postgresql.sql` file replaces `NNNN_name.sql` on PostgreSQL."""
    found: dict[int, tuple[bool, str]] = {}
    for entry in resources.files("ai_trader.store.migrations").iterdir():
        name = entry.name
        if not (name.endswith(".sql") and name[:4].isdigit()):
            continue
        parts = name[:-4].split(".")
        own = len(parts) == 2 and parts[1] == engine
        if len(parts) == 1 or own:
            version = int(name[:4])
            if own or version not in found:
                found[version] = (own, entry.read_text(encoding="utf-8"))
    return sorted((v, sql) for v, (_, sql) in found.items())


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def migrate(conn: Connection, engine: Engine | None = None) -> int:
    """Apply every numbered migration newer than the recorded schema version; return the version."""
    eng = engine or SqliteEngine()
    create = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
    eng.create_if_missing(conn, create)
    current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
    for version, sql in _migrations(eng.name):
        if version <= current:
            continue
        eng.begin_write(conn)
        try:
            again = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
            if version > again:  # another process may have migrated meanwhile
                for statement in _split(sql):
                    eng.execute_ddl(conn, eng.ddl(statement))
                conn.execute("INSERT INTO schema_version(version, applied_at) VALUES (?, ?)", (version, _now()))
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
    """The database (a SQLite file or a PostgreSQL database/schema). Thread-safe: each thread gets its own
    connection."""

    def __init__(self, url_or_path: Path | str, *, migrate_on_open: bool = True):
        self.engine = engine_for(url_or_path)
        self.path: Path | None = self.engine.path if isinstance(self.engine, SqliteEngine) else None
        self._local = threading.local()
        self._all: list[Connection] = []
        self._lock = threading.Lock()
        if migrate_on_open:
            migrate(self.conn(), self.engine)

    @property
    def location(self) -> str:
        """Where the data is: the SQLite file, or the PostgreSQL URL without its password."""
        return self.engine.location()

    @property
    def kind(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.name

    def conn(self) -> Connection:
        c = getattr(self._local, "conn", None)
        if c is None or not self.engine.healthy(c):
            c = self.engine.connect()
            self._local.conn = c
            with self._lock:
                self._all.append(c)
        return c

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction holding the store's write lock: all or nothing."""
        with self._transaction(self.engine.begin_write) as c:
            yield c

    @contextmanager
    def claim(self) -> Iterator[Connection]:
        """A transaction that claims model-days (`store/leases.py`): the write lock on SQLite; on PostgreSQL the
        write lock shared with other claims, which take different rows (`Store.claim_lock`)."""
        with self._transaction(self.engine.begin_claim) as c:
            yield c

    @contextmanager
    def _transaction(self, begin: Callable[[Connection], None]) -> Iterator[Connection]:
        c = self.conn()
        begin(c)
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        else:
            c.execute("COMMIT")

    @property
    def claim_lock(self) -> str:
        return self.engine.claim_lock

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A consistent read snapshot."""
        c = self.conn()
        self.engine.begin_read(c)
        try:
            yield c
        finally:
            c.execute("COMMIT")

    def change_token(self) -> Any:
        """A token of this thread's connection that moves whenever anything was committed (see store/changes.py)."""
        return self.engine.change_token(self.conn())

    def schema_version(self) -> int:
        return self.conn().execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            for c in self._all:
                self.engine.close(c)
            self._all.clear()
        self._local = threading.local()

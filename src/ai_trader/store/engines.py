"""Everything that differs between the two engines of the store, in one place: SQLite (a file, the default) and
PostgreSQL (`postgresql://…`, the shared store of a scaled-out service).

The store modules write their SQL once, for SQLite's dialect with `?` placeholders and portable constructs only
(`INSERT … ON CONFLICT`, timestamps from Python, `RETURNING id`). For PostgreSQL, `PgConnection.execute` rewrites a
statement once (cached): `?` → `%s` (and `%` → `%%`), SQLite's `ORDER BY +col` (an index hint) → `col`; parameters
that are Python booleans go as 0/1 (booleans are INTEGER columns); `numeric` results (SUM of integers) come back as
int. Migrations' DDL is rewritten by `pg_ddl` (INTEGER → BIGINT, `id INTEGER PRIMARY KEY` → an identity column,
REAL → DOUBLE PRECISION, no WITHOUT ROWID); a migration that cannot be written portably has a
`NNNN_name.postgresql.sql` sibling.

Transactions. SQLite: `BEGIN IMMEDIATE` takes the database's write lock, so write transactions are serialized and a
check-then-write inside one is atomic. PostgreSQL: `BEGIN` + `pg_advisory_xact_lock` on one key per database and
schema gives the same guarantee (released at COMMIT/ROLLBACK); reads run in REPEATABLE READ (one snapshot).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol

import psycopg
import psycopg.errors
from psycopg.adapt import Loader

BUSY_TIMEOUT_MS = 30_000
LOCK_CLASS = 0x41495452  # "AITR": the advisory-lock class of the store's write lock


class Cursor(Protocol):
    """What a store module may use of a cursor (sqlite3.Cursor and psycopg.Cursor both are one)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A connection of either engine: `execute(sql, params)` with `?` placeholders; rows support `row[0]` and
    `row["column"]` (sqlite3.Row, or `Row` here)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Cursor: ...


# ---- URLs ------------------------------------------------------------------------------------------------------------


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


def sqlite_path(url_or_path: str | Path) -> Path:
    """The file of a `sqlite:///path` URL (or a plain path)."""
    text = str(url_or_path)
    if text.startswith("sqlite:///"):
        return Path(text[len("sqlite:///") :])
    if text.startswith("sqlite:"):
        raise ValueError(f"not a SQLite URL (expected sqlite:///PATH): {text}")
    return Path(text)


def pg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def hide_password(url: str) -> str:
    """The URL with its password (if any) replaced by ***: what logs, /health and errors may show."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


# ---- engines ---------------------------------------------------------------------------------------------------------


class Engine:
    """One engine's connect, transaction, error and DDL rules."""

    name: ClassVar[str]

    def connect(self) -> Connection:
        raise NotImplementedError

    def healthy(self, conn: Connection) -> bool:
        """False when the connection is gone (closed or broken) and a new one is needed."""
        return True

    def begin_write(self, conn: Connection) -> None:
        raise NotImplementedError

    def begin_read(self, conn: Connection) -> None:
        raise NotImplementedError

    def begin_claim(self, conn: Connection) -> None:
        """A transaction that claims model-days: excluded from every other write, not from other claims where the
        engine can lock rows (PostgreSQL); SQLite: the write lock."""
        self.begin_write(conn)

    claim_lock: ClassVar[str] = ""  # appended to the claim query: PostgreSQL's FOR UPDATE … SKIP LOCKED

    def ddl(self, statement: str) -> str:
        return statement

    def execute_ddl(self, conn: Connection, statement: str) -> None:
        conn.execute(statement)

    def create_if_missing(self, conn: Connection, statement: str) -> None:
        """A `CREATE TABLE IF NOT EXISTS` several processes may run at once (SQLite: as one statement)."""
        conn.execute(statement)

    def change_token(self, conn: Connection) -> Any:
        raise NotImplementedError

    def tables(self, conn: Connection) -> list[str]:
        raise NotImplementedError

    def parents(self, conn: Connection, table: str) -> set[str]:
        """Tables that `table` has foreign keys to."""
        raise NotImplementedError

    def after_copy(self, conn: Connection, table: str) -> None:
        """Bring a table's id generator past the ids a bulk copy wrote."""

    def location(self) -> str:
        raise NotImplementedError

    def close(self, conn: Connection) -> None:
        try:
            conn.close()  # type: ignore[attr-defined]
        except (sqlite3.Error, psycopg.Error):
            pass


class SqliteEngine(Engine):
    name = "sqlite"

    def __init__(self, path: Path | None = None):
        self.path = path or Path(":memory:")
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def connect(self) -> Connection:
        conn = sqlite3.connect(
            str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def begin_write(self, conn: Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")

    def begin_read(self, conn: Connection) -> None:
        conn.execute("BEGIN")

    def change_token(self, conn: Connection) -> Any:
        """`(PRAGMA data_version, total_changes)`: moves when any connection commits to the file (data_version) or
        this one writes (total_changes)."""
        version = conn.execute("PRAGMA data_version").fetchall()[0][0]  # all: no statement left open
        return version, conn.total_changes  # type: ignore[attr-defined]

    def tables(self, conn: Connection) -> list[str]:
        q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        return [r[0] for r in conn.execute(q)]

    def parents(self, conn: Connection, table: str) -> set[str]:
        return {r[0] for r in conn.execute('SELECT "table" FROM pragma_foreign_key_list(?)', (table,))}

    def location(self) -> str:
        return str(self.path)


class PostgresEngine(Engine):
    name = "postgresql"

    def __init__(self, url: str):
        self.url = url
        self._lock_key: int | None = None

    def connect(self) -> Connection:
        raw = psycopg.connect(pg_conninfo(self.url), autocommit=True, row_factory=_row_factory)
        raw.adapters.register_loader("numeric", _NumberLoader)
        raw.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")  # like SQLite's busy timeout: then is_busy(), retry
        # a client cut off mid-transaction (a lost host) must not hold the write lock until TCP gives up: the server
        # ends a session idle inside a transaction after 30 s (ours are milliseconds between statements)
        raw.execute("SET idle_in_transaction_session_timeout = 30000")
        return PgConnection(raw)

    def healthy(self, conn: Connection) -> bool:
        raw = conn.raw  # type: ignore[attr-defined]
        return not (raw.closed or raw.broken)

    claim_lock = "FOR UPDATE OF d SKIP LOCKED"

    def begin_write(self, conn: Connection) -> None:
        self._begin_locked(conn, "pg_advisory_xact_lock")

    def begin_claim(self, conn: Connection) -> None:
        """Claims share the write lock (they exclude the other writes, whose check-then-write they would break) and
        run concurrently with each other: the claim query's `FOR UPDATE OF d SKIP LOCKED` hands each claimer
        different model-days (the pattern of Windmill's and procrastinate's queues)."""
        self._begin_locked(conn, "pg_advisory_xact_lock_shared")

    def _begin_locked(self, conn: Connection, function: str) -> None:
        conn.execute("BEGIN")
        try:
            if self._lock_key is None:
                q = "SELECT hashtext(current_database() || '.' || current_schema())"
                self._lock_key = conn.execute(q).fetchone()[0]
            lock = f"SELECT {function}(CAST(? AS INTEGER), CAST(? AS INTEGER))"
            conn.execute(lock, (LOCK_CLASS, self._lock_key))
        except BaseException:  # e.g. lock_timeout: leave no aborted transaction behind
            conn.execute("ROLLBACK")
            raise

    def begin_read(self, conn: Connection) -> None:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")

    def ddl(self, statement: str) -> str:
        return pg_ddl(statement)

    def execute_ddl(self, conn: Connection, statement: str) -> None:
        conn.raw.execute(statement)  # type: ignore[attr-defined]  # no parameters: `?` and `%` stay as written

    def create_if_missing(self, conn: Connection, statement: str) -> None:
        """Under the write lock: two sessions creating the same table at once would collide in the catalog."""
        self.begin_write(conn)
        try:
            self.execute_ddl(conn, self.ddl(statement))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def change_token(self, conn: Connection) -> Any:
        """The cluster's WAL insert position: it moves with every commit (this database's or another's: a spurious
        change costs a cache refresh, a missed one cannot happen)."""
        return conn.execute("SELECT pg_current_wal_insert_lsn()").fetchall()[0][0]

    def tables(self, conn: Connection) -> list[str]:
        q = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            " AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        return [r[0] for r in conn.execute(q)]

    def parents(self, conn: Connection, table: str) -> set[str]:
        q = (
            "SELECT c2.relname FROM pg_constraint k JOIN pg_class c1 ON c1.oid = k.conrelid"
            " JOIN pg_class c2 ON c2.oid = k.confrelid"
            " WHERE k.contype = 'f' AND c1.relname = ? AND c1.relnamespace = current_schema()::regnamespace"
        )
        return {r[0] for r in conn.execute(q, (table,))}

    def after_copy(self, conn: Connection, table: str) -> None:
        q = (
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ? AND is_identity = 'YES'"
        )
        for (column,) in conn.execute(q, (table,)).fetchall():
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1,"
                " false)",
                (table, column),
            )

    def location(self) -> str:
        return hide_password(self.url)


def engine_for(url_or_path: str | Path) -> Engine:
    text = str(url_or_path)
    return PostgresEngine(text) if is_postgres(text) else SqliteEngine(sqlite_path(text))


# ---- PostgreSQL: the connection wrapper, rows and the SQL rewrite ----------------------------------------------------


class Row(tuple):
    """A result row: `row[0]`, `row["column"]`, `keys()`, iteration and unpacking (like sqlite3.Row)."""

    __slots__ = ()
    _index: ClassVar[dict[str, int]] = {}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


_row_types: dict[tuple[str, ...], type[Row]] = {}
_row_types_lock = threading.Lock()


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Any]:
    desc = cursor.description
    if desc is None:
        return tuple
    names = tuple(c.name for c in desc)
    cls = _row_types.get(names)
    if cls is None:
        with _row_types_lock:
            index: dict[str, int] = {}
            for i, n in enumerate(names):
                index.setdefault(n, i)  # a repeated name: the first one
            cls = _row_types.setdefault(names, type("Row", (Row,), {"__slots__": (), "_index": index}))
    return cls


class _NumberLoader(Loader):
    """`numeric` results (SUM over BIGINT columns) as int when whole, else float: what SQLite returns."""

    def load(self, data: Any) -> Any:
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


_cache: dict[str, str] = {}
_ORDER_HINT = re.compile(r"(ORDER BY\s+|,\s*)\+(?=[A-Za-z_])")


def pg_sql(sql: str) -> str:
    """A store statement (SQLite dialect, `?` placeholders) as psycopg runs it on PostgreSQL."""
    found = _cache.get(sql)
    if found is None:
        parts = sql.replace("%", "%%").split("'")
        for i in range(0, len(parts), 2):  # outside string literals
            part = parts[i].replace("?", "%s")
            parts[i] = _ORDER_HINT.sub(r"\1", part) if "ORDER BY" in sql else part
        found = "'".join(parts)
        if len(_cache) < 4096:
            _cache[sql] = found
    return found


def _params(params: Any) -> Any:
    if isinstance(params, dict):
        return params
    return tuple(int(p) if p is True or p is False else p for p in params)


class PgConnection:
    """A psycopg connection (autocommit; transactions are explicit BEGIN … COMMIT, as with SQLite) that takes the
    store's SQL."""

    def __init__(self, raw: psycopg.Connection[Any]):
        self.raw = raw

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        return self.raw.execute(pg_sql(sql), _params(parameters))

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Cursor:
        cur = self.raw.cursor()
        cur.executemany(pg_sql(sql), [_params(p) for p in parameters])
        return cur

    def close(self) -> None:
        self.raw.close()


_TYPES = [
    (
        re.compile(r"\bid INTEGER PRIMARY KEY(?=\s*[,)\n]|\s*$)"),
        "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\s*WITHOUT ROWID"), ""),
    (re.compile(r"\s+AUTOINCREMENT\b"), ""),
]


def pg_ddl(statement: str) -> str:
    """A migration statement written for SQLite as PostgreSQL DDL: INTEGER columns are BIGINT (SQLite's integers are
    64-bit), `id INTEGER PRIMARY KEY` (SQLite's rowid alias) is an identity column, REAL is DOUBLE PRECISION."""
    for pattern, repl in _TYPES:
        statement = pattern.sub(repl, statement)
    return statement

"""The store's errors on either engine, and what they mean for the caller: busy (a lock: try again), disconnect
(the server went away: a new connection may work), transient (either)."""

from __future__ import annotations

import sqlite3

import psycopg
import psycopg.errors

DatabaseError: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)
OperationalError: tuple[type[Exception], ...] = (sqlite3.OperationalError, psycopg.OperationalError)
_PG_BUSY = (psycopg.errors.LockNotAvailable, psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)


def is_busy(exc: BaseException) -> bool:
    """The database was locked past the busy timeout (SQLite), or a lock or serialization conflict (PostgreSQL):
    trying again later is the cure."""
    if isinstance(exc, sqlite3.OperationalError):
        return any(w in str(exc) for w in ("locked", "busy"))
    return isinstance(exc, _PG_BUSY)


def is_disconnect(exc: BaseException) -> bool:
    """The connection to the server was lost or refused (PostgreSQL restarted, a backend terminated, the network
    down) — anywhere in the exception's chain: the next connection may work (`Store.conn` opens a new one)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, psycopg.OperationalError) and not isinstance(seen, _PG_BUSY):
            state = getattr(seen, "sqlstate", None)
            if state is None or state.startswith(("08", "57P")):
                return True
        seen = seen.__cause__ or seen.__context__
    return False


def is_transient(exc: BaseException) -> bool:
    """Trying again later is the cure: a busy database or a lost connection."""
    return is_busy(exc) or is_disconnect(exc)

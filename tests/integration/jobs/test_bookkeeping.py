"""Job-status writes survive another writer holding the database beyond the busy timeout (quality.md: "the
database locked by another writer"): they retry instead of leaving a job `running` with nothing left to do."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest

from ai_trader.jobs.chains import bookkeeping
from ai_trader.store import Store, connect

pytestmark = pytest.mark.both_engines


class ImpatientStore(Store):
    """A real store whose connections give up on a lock after 50 ms (the default waits 30 s)."""

    def conn(self) -> sqlite3.Connection:
        c = super().conn()
        c.execute("PRAGMA busy_timeout=50")
        return c


def _hold_write_lock(path, seconds: float, locked: threading.Event) -> None:
    other = connect(path)
    other.execute("BEGIN IMMEDIATE")
    locked.set()
    time.sleep(seconds)
    other.execute("COMMIT")
    other.close()


def test_a_status_write_waits_out_a_lock_longer_than_the_busy_timeout(tmp_path):
    store = ImpatientStore(tmp_path / "jobs.db")
    locked = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(store.path, 0.8, locked))
    holder.start()
    locked.wait(5)
    # a plain write gives up after the busy timeout...
    with pytest.raises(sqlite3.OperationalError), store.write() as conn:
        conn.execute("INSERT INTO symbols(symbol) VALUES ('LOST')")
    # ...a bookkeeping write retries until the other writer lets go, then commits once
    asyncio.run(bookkeeping(store, lambda conn: conn.execute("INSERT INTO symbols(symbol) VALUES ('KEPT')")))
    holder.join()
    got = [r[0] for r in store.conn().execute("SELECT symbol FROM symbols")]
    assert got == ["KEPT"]
    store.close()


def test_other_database_errors_are_not_retried(tmp_path):
    store = Store(tmp_path / "jobs.db")
    calls = []

    def bad(conn):
        calls.append(1)
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        asyncio.run(bookkeeping(store, bad))
    assert calls == [1]
    store.close()


def test_a_lock_that_never_ends_gives_up_after_the_retry_window(tmp_path):
    store = ImpatientStore(tmp_path / "jobs.db")
    locked = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(store.path, 1.5, locked))
    holder.start()
    locked.wait(5)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        asyncio.run(
            bookkeeping(store, lambda conn: conn.execute("INSERT INTO symbols(symbol) VALUES ('X')"), retry_s=0.3)
        )
    holder.join()
    assert store.conn().execute("SELECT COUNT(*) FROM symbols").fetchone()[0] == 0
    store.close()

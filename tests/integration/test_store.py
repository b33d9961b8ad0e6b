"""The store on both engines (SQLite file, PostgreSQL schema): migrations, transactions, rows, the write lock."""

import threading
import time

import pytest

from ai_trader.errors import FixTheSetup
from ai_trader.settings import Settings
from ai_trader.store import Store, db
from ai_trader.store.db import _migrations
from ai_trader.supervisor import prepare

pytestmark = pytest.mark.both_engines


def test_migrations_record_version_and_are_idempotent(tmp_path):
    s = Store(tmp_path / "x.db")
    v = s.schema_version()
    assert v >= 1
    s.close()
    s2 = Store(tmp_path / "x.db")
    assert s2.schema_version() == v
    mode = s2.conn().execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert s2.conn().execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_every_migration_applies_and_a_second_open_applies_none(store, settings):
    versions = [v for v, _ in _migrations(store.kind)]
    latest = max(versions)
    assert store.schema_version() == latest
    again = Store(settings.store_url)
    try:
        assert again.schema_version() == latest
        count = again.conn().execute("SELECT COUNT(*) FROM schema_version").fetchone()[0]
        assert count == len(versions)
    finally:
        again.close()


def test_write_is_all_or_nothing(store):
    try:
        with store.write() as c:
            c.execute("INSERT INTO symbols(symbol) VALUES ('AAPL')")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert store.conn().execute("SELECT COUNT(*) FROM symbols").fetchone()[0] == 0


def test_migration_0014_keeps_the_split_events_of_an_existing_database(tmp_path):
    """0014 rebuilds ledger_events (to admit dividends): a database at version 11 keeps its split events."""
    import sqlite3

    from ai_trader.store import db as store_db
    from ai_trader.store import events as event_store

    path = tmp_path / "old.db"
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    for version, sql in store_db._migrations():
        if version <= 11:
            for statement in store_db._split(sql):
                raw.execute(statement)
            raw.execute("INSERT INTO schema_version VALUES (?, '2025-11-01T00:00:00Z')", (version,))
    raw.execute(
        "INSERT INTO model_days(id, signature, date, cash, positions, portfolio_value, profit, return_pct,"
        " initial_cash, committed_at) VALUES (7, 'holder', '2025-06-10', 100, '{\"ORLY\": 45}', 5000, 0, 0, 10000, 'x')"
    )
    raw.execute(
        "INSERT INTO ledger_events(model_day_id, signature, date, kind, symbol, ratio, shares_before, shares_after,"
        " cash) VALUES (7, 'holder', '2025-06-10', 'split', 'ORLY', 15, 3, 45, 0)"
    )
    raw.close()
    s = Store(path)
    assert s.schema_version() >= 14
    with s.read() as conn:
        (event,) = event_store.events_for(conn, [7])[7]
    assert event.to_dict() == {
        "kind": "split", "symbol": "ORLY", "ratio": 15.0, "shares_before": 3, "shares_after": 45, "cash": 0.0
    }  # fmt: skip
    s.close()


def test_rows_read_by_index_and_by_column_and_ids_come_from_returning(store):
    with store.write() as c:
        c.execute(
            "INSERT INTO symbols(symbol, tradable, benchmark, name) VALUES (?, ?, ?, ?)", ("QQQ", False, True, "Q")
        )
        first = c.execute(
            "INSERT INTO av_requests(day, at, symbol) VALUES (?, ?, ?) RETURNING id", ("2025-06-02", 1.5, "QQQ")
        ).fetchall()[0][0]
        second = c.execute(
            "INSERT INTO av_requests(day, at, symbol) VALUES (?, ?, ?) RETURNING id", ("2025-06-02", 2.0, "QQQ")
        ).fetchall()[0][0]
    assert second == first + 1
    row = store.conn().execute("SELECT symbol, tradable, benchmark, name FROM symbols").fetchone()
    assert (row[0], row["tradable"], row["benchmark"], row["name"]) == ("QQQ", 0, 1, "Q")  # booleans stored as 0/1
    assert tuple(row) == ("QQQ", 0, 1, "Q") and list(row.keys()) == ["symbol", "tradable", "benchmark", "name"]
    total = store.conn().execute("SELECT SUM(tradable), SUM(at), COUNT(*) FROM symbols, av_requests").fetchone()
    assert tuple(total) == (0, 3.5, 2) and type(total[0]) is int and type(total[1]) is float


def test_write_transactions_are_serialized_so_a_check_then_write_is_atomic(store, settings):
    """Each writer reads the count, waits, then inserts a symbol named after it: with writers serialized (SQLite's
    BEGIN IMMEDIATE, PostgreSQL's advisory lock) every name is distinct; interleaved, two would collide."""
    errors: list[BaseException] = []

    def writer() -> None:
        s = Store(settings.store_url, migrate_on_open=False)
        try:
            for _ in range(3):
                with s.write() as c:
                    n = c.execute("SELECT COUNT(*) FROM symbols").fetchone()[0]
                    time.sleep(0.02)
                    c.execute("INSERT INTO symbols(symbol) VALUES (?)", (f"S{n}",))
        except BaseException as exc:
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    names = [r[0] for r in store.conn().execute("SELECT symbol FROM symbols ORDER BY symbol")]
    assert sorted(names) == sorted(f"S{i}" for i in range(12))


def test_a_read_sees_one_snapshot(store, settings):
    other = Store(settings.store_url, migrate_on_open=False)
    try:
        with store.read() as c:
            before = c.execute("SELECT COUNT(*) FROM symbols").fetchone()[0]
            with other.write() as w:
                w.execute("INSERT INTO symbols(symbol) VALUES ('NEW')")
            assert c.execute("SELECT COUNT(*) FROM symbols").fetchone()[0] == before
        assert store.conn().execute("SELECT COUNT(*) FROM symbols").fetchone()[0] == before + 1
    finally:
        other.close()


def test_the_change_token_moves_with_a_commit_of_another_connection(store, settings):
    other = Store(settings.store_url, migrate_on_open=False)
    try:
        token = store.change_token()
        with other.write() as w:
            w.execute("INSERT INTO symbols(symbol) VALUES ('NEW')")
        assert store.change_token() != token
    finally:
        other.close()


def test_stores_opened_at_once_on_an_empty_database_migrate_it_once(database_url, tmp_path):
    """Several processes starting together (API, workers) may all find the schema missing: each migration is
    applied once, under the write lock."""
    url = database_url or f"sqlite:///{tmp_path / 'fresh.db'}"
    versions: list[int] = []
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            s = Store(url)
            versions.append(s.schema_version())
            s.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(versions)) == 1
    s = Store(url)
    try:
        rows = s.conn().execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert [r[0] for r in rows] == [v for v, _ in _migrations(s.kind)]
    finally:
        s.close()


def test_serve_refuses_to_start_on_a_store_it_cannot_reach_naming_it_without_the_password(tmp_path):
    url = "postgresql://trader:hunter2-secret@127.0.0.1:9/none"
    unreachable = Settings(_env_file=None, data_dir=tmp_path / "data", database_url=url)
    with pytest.raises(FixTheSetup) as refused:
        prepare(unreachable)
    assert refused.value.code == 2
    assert "cannot open the store postgresql://trader:***@127.0.0.1:9/none" in refused.value.message
    assert "hunter2" not in refused.value.message


def test_a_writer_waiting_past_the_lock_timeout_gets_a_busy_error(store, settings):
    """SQLite's busy timeout and PostgreSQL's lock_timeout (both 30 s) end a wait for the write lock with an error
    `is_busy` recognizes, which the bookkeeping retries."""
    other = Store(settings.store_url, migrate_on_open=False)
    try:
        if store.kind == "postgresql":
            assert other.conn().execute("SHOW lock_timeout").fetchone()[0] == "30s"
            other.conn().execute("SET lock_timeout = 200")
        else:
            other.conn().execute("PRAGMA busy_timeout = 200")
        with store.write(), pytest.raises(db.DatabaseError) as waited, other.write():
            pass
        assert db.is_busy(waited.value)
        with other.write() as c:  # the lock is free again: the same connection writes
            c.execute("INSERT INTO symbols(symbol) VALUES ('AFTER')")
    finally:
        other.close()

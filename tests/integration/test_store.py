from ai_trader.store import Store


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

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

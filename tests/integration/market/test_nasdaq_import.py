"""The packaged NASDAQ-100 file imported into a real SQLite store, read through PriceView."""

import datetime as dt

import pytest

from ai_trader.market.importers import import_file
from ai_trader.market.prices import PriceView
from ai_trader.store import Store


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, nasdaq_csv):
    """Read-only tests share one imported database."""
    db = Store(tmp_path_factory.mktemp("nasdaq") / "jobs.db")
    report = import_file(db, nasdaq_csv)
    yield report, PriceView.load(db)
    db.close()


def test_universe_calendar_and_split_warning(loaded):
    report, view = loaded
    days = view.trading_days()
    assert len(days) == 106 and days[0] == "2025-06-02" and days[-1] == "2025-10-30"
    for holiday in ("2025-06-19", "2025-07-04", "2025-09-01"):
        assert holiday not in days and not view.is_trading_day(holiday)
    assert len(view.tradable) == 101 and "QQQ" not in view.tradable
    assert {"GOOG", "GOOGL"} <= set(view.tradable)
    assert list(view.tradable) == sorted(view.tradable)
    assert view.benchmark == "QQQ"
    assert report.format == "csv" and report.total("added") == 10811 and report.total("rejected") == 0
    assert [(w.symbol, w.date) for w in report.warnings] == [("ORLY", "2025-06-10")]


def test_price_lookups(loaded):
    _, view = loaded
    assert view.open("AAPL", "2025-06-02") == 200.28
    assert view.close("AAPL", "2025-06-02") == 201.70
    assert view.bar("AAPL", "2025-06-02").volume == 35423294
    assert view.bar("AAPL", "2025-07-04") is None and view.close("AAPL", "2025-07-04") is None
    assert view.last_close("AAPL", "2025-07-04") == view.close("AAPL", "2025-07-03")
    assert view.last_close("AAPL", "2025-05-30") is None
    # QQQ has no bar on 2025-06-02 (a gap in the data): no close, no carry-forward before its first bar
    assert view.close("QQQ", "2025-06-02") is None and view.last_close("QQQ", "2025-06-02") is None
    assert view.close("QQQ", "2025-06-03") is not None
    opens, closes = view.opens("2025-06-03"), view.closes("2025-06-03")
    assert len(opens) == 101 == len(closes) and "QQQ" not in opens
    assert opens["NVDA"] == view.open("NVDA", "2025-06-03")
    assert view.opens("2025-07-04") == {}


def test_trading_day_navigation_over_holidays_and_weekends(loaded):
    _, view = loaded
    assert view.previous_trading_day("2025-07-07") == "2025-07-03"
    assert view.next_trading_day("2025-07-03") == "2025-07-07"
    assert view.previous_trading_day("2025-06-20") == "2025-06-18"  # Juneteenth
    assert view.next_trading_day("2025-08-29") == "2025-09-02"  # Labor Day weekend
    assert view.most_recent_trading_day(dt.date(2025, 9, 1)) == "2025-08-29"
    assert view.most_recent_trading_day(dt.date(2026, 1, 5)) == "2025-10-30"
    assert view.previous_trading_day("2025-06-02") is None
    assert view.next_trading_day("2025-10-30") is None


def test_point_in_time_snapshot_hides_later_bars(store, nasdaq_csv):
    import_file(store, nasdaq_csv)
    view = PriceView.load(store, today=dt.date(2025, 7, 4))
    assert view.trading_days()[-1] == "2025-07-03"
    assert view.bar("AAPL", "2025-07-07") is None
    assert view.most_recent_trading_day() == "2025-07-03"


def test_reimport_is_idempotent(store, nasdaq_csv):
    import_file(store, nasdaq_csv)
    again = import_file(store, nasdaq_csv)
    assert again.total("added") == 0 and again.total("updated") == 0
    assert again.total("unchanged") == 10811 and again.new_symbols == ()
    assert store.conn().execute("SELECT COUNT(*) FROM prices").fetchone()[0] == 10811
    assert store.conn().execute("SELECT COUNT(*) FROM symbols").fetchone()[0] == 102

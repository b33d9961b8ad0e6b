"""Packaged offline data and the coverage report."""

from ai_trader.market.importers import import_file
from ai_trader.market.packaged import ensure_price_data, import_packaged
from ai_trader.market.prices import PriceView
from ai_trader.market.status import data_status

HEADER = "date,symbol,open,high,low,close,volume\n"


def test_packaged_data_imports_once_and_is_usable(store):
    report = ensure_price_data(store)
    assert report is not None and report.total("rejected") == 0
    assert {s.symbol: s.added for s in report.symbols} == {
        "AAPL": 3270,
        "FB": 196,
        "GOOG": 2148,
        "IBM": 3270,
        "MSFT": 3270,
    }
    assert ("AAPL", "2005-02-28") in {(w.symbol, w.date) for w in report.warnings}  # real 2:1 split, unadjusted
    assert ensure_price_data(store) is None  # not empty any more: nothing imported
    view = PriceView.load(store)
    assert view.tradable == ("AAPL", "FB", "GOOG", "IBM", "MSFT") and view.benchmark is None
    days = view.trading_days()
    assert days[0] == "2000-03-01" and days[-1] == "2013-03-01" and len(days) == 3270
    assert view.previous_trading_day("2013-01-02") == "2012-12-31"  # New Year's Day
    assert view.close("AAPL", "2013-03-01") is not None


def test_packaged_reimport_is_idempotent(store):
    import_packaged(store)
    again = import_packaged(store)
    assert again.total("added") == 0 and again.total("unchanged") == 12154


def test_ensure_price_data_keeps_existing_prices(store, tmp_path):
    (tmp_path / "a.csv").write_text(HEADER + "2025-06-02,AAA,10,11,9,10.5,100\n")
    import_file(store, tmp_path / "a.csv")
    assert ensure_price_data(store) is None
    assert PriceView.load(store).tradable == ("AAA",)


def test_status_coverage_gaps_and_splits(store, tmp_path):
    (tmp_path / "a.csv").write_text(
        HEADER
        + (
            "2025-07-01,AAA,10,11,9,10.5,100\n"
            "2025-07-02,AAA,10,11,9,10.5,100\n"
            "2025-07-03,AAA,10,11,9,10.5,100\n"
            "2025-07-07,AAA,4,5,4,4.5,100\n"  # -62% overnight over the holiday weekend
            "2025-07-08,AAA,4.4,,,,\n"  # open-only
            "2025-07-01,QQQ,10,11,9,10.5,100\n"
            "2025-07-08,QQQ,10,11,9,10.5,100\n"
        )
    )
    import_file(store, tmp_path / "a.csv")
    st = data_status(store)
    assert (st.trading_days, st.first_trading_day, st.last_trading_day) == (5, "2025-07-01", "2025-07-08")
    assert st.total_bars == 7
    a, q = st.symbols
    assert (a.symbol, a.rows, a.incomplete, a.missing_days, a.gaps, a.tradable) == ("AAA", 5, 1, 0, (), True)
    assert (q.symbol, q.benchmark, q.tradable, q.missing_days) == ("QQQ", True, False, 3)
    assert [(g.start, g.end, g.days) for g in q.gaps] == [("2025-07-02", "2025-07-07", 3)]
    assert [(w.symbol, w.date, w.kind) for w in st.splits] == [("AAA", "2025-07-07", "open")]
    d = st.to_dict()
    assert d["symbols"][1]["gaps"] == [{"start": "2025-07-02", "end": "2025-07-07", "days": 3}]
    assert "possible split" in d["splits"][0]["message"]


def test_status_of_an_empty_store(store):
    st = data_status(store)
    assert st.symbols == () and st.trading_days == 0 and st.first_trading_day is None

"""The packaged NASDAQ-100 data set (the embedded default), its recorded source and corporate actions, and the
coverage report."""

import hashlib
import json

from ai_trader.market.importers import import_file
from ai_trader.market.packaged import SHA256, SOURCE, ensure_price_data, import_packaged, packaged_meta, packaged_text
from ai_trader.market.prices import PriceView
from ai_trader.market.status import data_status
from ai_trader.store import sources

HEADER = "date,symbol,open,high,low,close,volume\n"


def test_packaged_data_is_the_real_nasdaq100_set_with_its_meta():
    text = packaged_text()
    assert hashlib.sha256(text.encode()).hexdigest() == SHA256
    meta = packaged_meta()
    lines = text.splitlines()
    assert lines[0] == "date,symbol,open,high,low,close,volume" and len(lines) - 1 == meta["rows"] == 10811
    assert len(meta["symbols"]) == 102 and meta["benchmark"] == "QQQ"
    assert (meta["first_date"], meta["last_date"], meta["trading_days"]) == ("2025-06-02", "2025-10-30", 106)


def test_packaged_data_imports_once_with_source_and_corporate_actions(store):
    report = ensure_price_data(store)
    assert report is not None and report.total("rejected") == 0 and report.total("added") == 10811
    assert ("ORLY", "2025-06-10") in {(w.symbol, w.date) for w in report.warnings}  # real 15:1 split, unadjusted
    assert ensure_price_data(store) is None  # not empty any more: nothing imported
    view = PriceView.load(store)
    assert len(view.tradable) == 101 and "QQQ" not in view.tradable and view.benchmark == "QQQ"
    days = view.trading_days()
    assert days[0] == "2025-06-02" and days[-1] == "2025-10-30" and len(days) == 106
    assert view.previous_trading_day("2025-07-07") == "2025-07-03"  # Independence Day
    with store.read() as conn:
        (src,) = sources.list_sources(conn)
        actions = sources.list_actions(conn)
    assert (src.name, src.rows, src.sha256, src.first_date, src.last_date) == (
        SOURCE,
        10811,
        SHA256,
        "2025-06-02",
        "2025-10-30",
    )
    assert src.description.startswith("Alpha Vantage TIME_SERIES_DAILY, unadjusted")
    assert [(a.symbol, a.effective_date, a.kind, a.ratio, a.source) for a in actions] == [
        ("ORLY", "2025-06-10", "split", 15.0, SOURCE)
    ]
    st = data_status(store)
    (orly,) = [w for w in st.splits if w.symbol == "ORLY"]
    assert st.recorded(orly) == actions[0]
    assert st.to_dict()["splits"][0]["recorded_action"]["ratio"] == 15.0


def test_packaged_reimport_is_idempotent(store):
    import_packaged(store)
    again = import_packaged(store)
    assert again.total("added") == 0 and again.total("unchanged") == 10811
    with store.read() as conn:
        assert len(sources.list_sources(conn)) == 1 and len(sources.list_actions(conn)) == 1


def test_a_csv_with_a_meta_file_beside_it_records_the_same_source_facts(store, tmp_path, nasdaq_csv):
    """`ai-trader data import ../shared/data/nasdaq100_daily.csv` (the meta file beside it) gives what the packaged
    import gives: the same bars and the same corporate action."""
    csv = tmp_path / "nasdaq100_daily.csv"
    csv.write_text(nasdaq_csv.read_text())
    (tmp_path / "nasdaq100_daily.meta.json").write_text(json.dumps(packaged_meta()))
    report = import_file(store, csv)
    assert report.total("added") == 10811
    with store.read() as conn:
        (src,) = sources.list_sources(conn)
        (action,) = sources.list_actions(conn)
    assert (src.name, src.sha256) == ("csv:nasdaq100_daily.csv", SHA256)
    assert (action.symbol, action.effective_date, action.ratio) == ("ORLY", "2025-06-10", 15.0)


def test_a_quandl_wiki_style_csv_still_imports(store, tmp_path):
    """The layout of the earlier offline set (Ticker,Date,...,Adj Close): `ticker` for symbol, extra columns
    ignored."""
    (tmp_path / "stocks.csv").write_text(
        "Ticker,Date,Open,High,Low,Close,Volume,Adj Close\n"
        "AAPL,2013-02-28,444.05,447.87,441.4,441.4,11160500,60.1\n"
        "AAPL,2013-03-01,438,438.18,429.98,430.47,19730900,58.6\n"
    )
    report = import_file(store, tmp_path / "stocks.csv")
    assert report.format == "csv" and report.total("added") == 2
    assert PriceView.load(store).close("AAPL", "2013-03-01") == 430.47


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

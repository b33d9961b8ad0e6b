"""Importers against a real SQLite store: every format, rejected rows, all-or-nothing, idempotence."""

import json

import pytest

from ai_trader.errors import InvalidData
from ai_trader.market.importers import expand_paths, import_file
from ai_trader.market.prices import PriceView
from ai_trader.store.sources import list_actions

HEADER = "date,symbol,open,high,low,close,volume\n"


def count(store, table="prices"):
    return store.conn().execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_alphavantage_aliases_and_open_only_bar_in_the_view(store, tmp_path):
    doc = {
        "Meta Data": {"2. Symbol": "AAPL"},
        "Time Series (Daily)": {
            "2025-07-07": {"1. buy price": "212.0"},
            "2025-07-03": {
                "1. buy price": "210.0",
                "2. high": "214.0",
                "3. low": "209.5",
                "4. sell price": "213.5",
                "5. volume": "1000",
            },
            "2025-07-02": {
                "1. open": "208.0",
                "2. high": "211.0",
                "3. low": "207.0",
                "4. close": "210.2",
                "5. volume": "900",
            },
        },
    }
    report = import_file(store, write(tmp_path, "aapl.json", json.dumps(doc)))
    assert report.format == "alphavantage" and report.total("added") == 3
    view = PriceView.load(store)
    assert view.trading_days() == ["2025-07-02", "2025-07-03", "2025-07-07"]
    assert view.open("AAPL", "2025-07-07") == 212.0  # usable as today's open
    assert view.close("AAPL", "2025-07-07") is None  # never as a close
    assert view.closes("2025-07-07") == {} and view.opens("2025-07-07") == {"AAPL": 212.0}
    assert view.last_close("AAPL", "2025-07-07") == 213.5  # valuation carries the last real close
    row = store.conn().execute("SELECT high, low, close, volume, source FROM prices WHERE date='2025-07-07'").fetchone()
    assert tuple(row) == (None, None, None, None, "alphavantage:aapl.json")


def test_jsonl_with_several_symbols(store, tmp_path):
    def line(s, o):
        bar = {"1. open": o, "2. high": "50", "3. low": "1", "4. close": o, "5. volume": "7"}
        return json.dumps({"Meta Data": {"2. Symbol": s}, "Time Series (Daily)": {"2025-06-02": bar}})

    report = import_file(store, write(tmp_path, "merged.jsonl", line("MSFT", "10") + "\n" + line("QQQ", "20") + "\n"))
    assert [s.symbol for s in report.symbols] == ["MSFT", "QQQ"]
    view = PriceView.load(store)
    assert view.tradable == ("MSFT",) and view.benchmark == "QQQ"


def test_per_symbol_csv_from_file_name_and_option(store, tmp_path):
    text = "Date,Open,High,Low,Close,Adj Close,Volume\n2025-06-02,10,11,9,10.5,10.4,100\n"
    assert import_file(store, write(tmp_path, "NVDA.csv", text)).symbols[0].symbol == "NVDA"
    assert import_file(store, write(tmp_path, "prices.csv", text), symbol="amd").symbols[0].symbol == "AMD"
    assert PriceView.load(store).tradable == ("AMD", "NVDA")


def test_rule_violations_are_rejected_rows_and_the_rest_is_imported(store, tmp_path):
    text = HEADER + (
        "2025-06-02,AAA,10,11,9,10.5,100\n"
        "2025-06-03,AAA,10,9.5,9,9.2,100\n"  # high below open
        "2025-06-04,AAA,0,11,9,10,100\n"  # zero open
        "2025-06-05,AAA,10,11,9,10,-1\n"  # negative volume
        "2025-06-07,AAA,10,11,9,10,1\n"  # Saturday
        "2025-06-06,BBB,10,11,10.5,10.6,1\n"
    )  # low above open
    report = import_file(store, write(tmp_path, "r.csv", text))
    assert [r.date for r in report.rejected] == ["2025-06-03", "2025-06-04", "2025-06-05", "2025-06-07", "2025-06-06"]
    assert report.rejected[0].where.endswith("r.csv:3") and "high 9.5 is below" in report.rejected[0].reason
    by = {s.symbol: s for s in report.symbols}
    assert (by["AAA"].added, by["AAA"].rejected) == (1, 4)
    assert (by["BBB"].added, by["BBB"].rejected) == (0, 1)
    assert count(store) == 1
    assert PriceView.load(store).tradable == ("AAA",)  # a symbol with only rejected rows does not join


@pytest.mark.parametrize(
    "body, needle",
    [
        ("date,symbol,open,close\n2025-06-02,AAA,1,1\n", "bad.csv:1: unrecognised header"),
        (HEADER + "2025-06-02,AAA,1,1,1,1,1\n2025-06-03,AAA,one,1,1,1,1\n", "bad.csv:3: open is not a number"),
        (HEADER + "2025-06-02,AAA,1,1,1,1,1\n2025-6-3,AAA,1,1,1,1,1\n", "bad.csv:3: date must be a date"),
        (
            HEADER + "2025-06-02,AAA,1,1,1,1,1\n2025-06-03,AAA,1,1,1,1,1\n2025-06-02,AAA,2,2,2,2,2\n",
            "bad.csv:4: duplicate bar for AAA on 2025-06-02 (first at",
        ),
    ],
)
def test_malformed_file_writes_nothing(store, tmp_path, body, needle):
    import_file(store, write(tmp_path, "good.csv", HEADER + "2025-05-30,ZZZ,1,1,1,1,1\n"))
    with pytest.raises(InvalidData) as exc:
        import_file(store, write(tmp_path, "bad.csv", body))
    assert needle in exc.value.message and str(tmp_path) in exc.value.message
    assert count(store) == 1 and count(store, "symbols") == 1


def test_duplicate_across_jsonl_lines_is_refused(store, tmp_path):
    line = json.dumps({"Meta Data": {"2. Symbol": "A"}, "Time Series (Daily)": {"2025-06-02": {"1. open": "1"}}})
    with pytest.raises(InvalidData, match="d.jsonl:2 \\[2025-06-02\\]: duplicate bar for A"):
        import_file(store, write(tmp_path, "d.jsonl", line + "\n" + line + "\n"))
    assert count(store) == 0


def test_updates_are_counted_and_complete_bars_are_not_downgraded(store, tmp_path):
    import_file(
        store, write(tmp_path, "a.csv", HEADER + "2025-06-02,AAA,10,11,9,10.5,100\n2025-06-03,AAA,10,11,9,10.5,100\n")
    )
    report = import_file(
        store,
        write(
            tmp_path,
            "b.csv",
            HEADER + "2025-06-02,AAA,10,12,9,10.5,100\n"  # changed
            "2025-06-03,AAA,10,,,,\n"  # open-only
            "2025-06-04,AAA,10,11,9,10.5,100\n",
        ),
    )
    s = report.symbols[0]
    assert (s.added, s.updated, s.unchanged) == (1, 1, 1)
    view = PriceView.load(store)
    assert view.bar("AAA", "2025-06-02").high == 12 and view.close("AAA", "2025-06-03") == 10.5


def test_open_only_bar_is_completed_by_a_later_import(store, tmp_path):
    import_file(store, write(tmp_path, "a.csv", HEADER + "2025-06-02,AAA,10,,,,\n"))
    report = import_file(store, write(tmp_path, "b.csv", HEADER + "2025-06-02,AAA,10,11,9,10.5,100\n"))
    assert report.symbols[0].updated == 1
    assert PriceView.load(store).close("AAA", "2025-06-02") == 10.5


def test_configurable_benchmarks_and_existing_universe_rows_are_kept(store, tmp_path):
    import_file(
        store,
        write(tmp_path, "a.csv", HEADER + "2025-06-02,SPY,10,11,9,10.5,100\n2025-06-02,QQQ,10,11,9,10.5,100\n"),
        benchmarks={"SPY"},
    )
    view = PriceView.load(store)
    assert view.benchmark == "SPY" and view.tradable == ("QQQ",)
    import_file(store, write(tmp_path, "b.csv", HEADER + "2025-06-03,QQQ,10,11,9,10.5,100\n"))
    assert PriceView.load(store).tradable == ("QQQ",)  # registration does not rewrite the universe


def test_directory_expands_to_importable_files(tmp_path):
    for name in ("b.csv", "a.json", "c.jsonl", "notes.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / "sub").mkdir()
    assert [p.name for p in expand_paths([tmp_path])] == ["a.json", "b.csv", "c.jsonl"]


def test_unreadable_file_is_a_clear_error(store, tmp_path):
    with pytest.raises(InvalidData, match="missing.csv: cannot read"):
        import_file(store, tmp_path / "missing.csv")


def test_symbol_option_that_matches_nothing_is_an_error(store, tmp_path):
    f = write(tmp_path, "a.csv", HEADER + "2025-06-02,AAA,10,11,9,10.5,100\n")
    with pytest.raises(InvalidData, match="no rows for symbol 'ZZZ'"):
        import_file(store, f, symbol="zzz")
    assert import_file(store, f, symbol="aaa").symbols[0].added == 1


def test_gzipped_file_is_read(store, tmp_path):
    import gzip

    p = tmp_path / "NVDA.csv.gz"
    p.write_bytes(gzip.compress(b"Date,Open,High,Low,Close,Volume\n2025-06-02,10,11,9,10.5,100\n"))
    report = import_file(store, p)
    assert (report.format, report.symbols[0].symbol, report.total("added")) == ("symbol-csv", "NVDA", 1)


def test_an_adjusted_alphavantage_file_records_its_dividends_and_splits(store, tmp_path):
    day = {"1. open": "10.0", "2. high": "11.0", "3. low": "9.5", "4. close": "10.5", "5. adjusted close": "10.4"}
    doc = {
        "Meta Data": {"2. Symbol": "ABCD"},
        "Time Series (Daily)": {
            "2025-07-07": {**day, "6. volume": "100", "7. dividend amount": "0.2500", "8. split coefficient": "1.0"},
            "2025-07-03": {**day, "6. volume": "200", "7. dividend amount": "0.0000", "8. split coefficient": "2.0"},
            "2025-07-02": {**day, "6. volume": "300", "7. dividend amount": "0.0000", "8. split coefficient": "1.0"},
        },
    }
    rep = import_file(store, write(tmp_path, "abcd.json", json.dumps(doc)))
    assert rep.total("added") == 3 and rep.actions == 2
    assert store.conn().execute("SELECT volume FROM prices WHERE date = '2025-07-03'").fetchone()[0] == 200
    with store.read() as conn:
        got = [(a.symbol, a.effective_date, a.kind, a.ratio, a.amount) for a in list_actions(conn)]
    assert got == [("ABCD", "2025-07-03", "split", 2.0, None), ("ABCD", "2025-07-07", "dividend", None, 0.25)]
    plain = {"Meta Data": {"2. Symbol": "EFGH"}, "Time Series (Daily)": {"2025-07-07": {**day, "5. volume": "1"}}}
    assert import_file(store, write(tmp_path, "efgh.json", json.dumps(plain))).actions == 0  # TIME_SERIES_DAILY

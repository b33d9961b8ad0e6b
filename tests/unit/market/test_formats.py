"""Format detection and parsing: every format, aliases, open-only bars, malformed input."""

import json

import pytest

from ai_trader.errors import InvalidData
from ai_trader.market.formats import ALPHAVANTAGE, LONG_CSV, SYMBOL_CSV, parse_text, symbol_from_name


def av_doc(symbol, series, meta=True):
    doc = {"Time Series (Daily)": series}
    if meta:
        doc["Meta Data"] = {"1. Information": "Daily Prices", "2. Symbol": symbol}
    return doc


def test_long_csv_any_column_order_and_ticker_alias():
    text = "Ticker,Date,Open,High,Low,Close,Volume,Adj Close\naapl,2025-06-02,1,2,0.5,1.5,10,1.4\n"
    fmt, bars = parse_text(text, "x.csv")
    assert fmt == LONG_CSV
    b = bars[0]
    assert (b.symbol, b.date, b.open, b.high, b.low, b.close, b.volume) == ("AAPL", "2025-06-02", 1, 2, 0.5, 1.5, 10)
    assert b.where == "x.csv:2"


def test_long_csv_symbol_option_filters():
    text = "date,symbol,open,high,low,close,volume\n2025-06-02,AAA,1,1,1,1,1\n2025-06-02,BBB,1,1,1,1,1\n"
    _, bars = parse_text(text, "x.csv", symbol="bbb")
    assert [b.symbol for b in bars] == ["BBB"]


def test_per_symbol_csv_symbol_from_name_or_option():
    text = "Date,Open,High,Low,Close,Adj Close,Volume\n2025-06-02,1,2,0.5,1.5,1.4,10\n"
    fmt, bars = parse_text(text, "/data/daily_prices_MSFT.csv")
    assert fmt == SYMBOL_CSV and bars[0].symbol == "MSFT"
    assert parse_text(text, "/data/whatever.csv", symbol="nvda")[1][0].symbol == "NVDA"
    assert symbol_from_name("brk.b.csv") == "BRK.B"
    assert symbol_from_name("daily_prices_QQQ.json.gz") == "QQQ"


def test_open_only_csv_row_has_missing_fields():
    text = "date,symbol,open,high,low,close,volume\n2025-06-02,AAA,5,,,,\n"
    b = parse_text(text, "x.csv")[1][0]
    assert (b.open, b.high, b.low, b.close, b.volume) == (5.0, None, None, None, None)


def test_alphavantage_object_with_aliases_and_open_only_bar():
    doc = av_doc(
        "AAPL",
        {
            "2025-06-03": {"1. buy price": "10.0"},
            "2025-06-02": {
                "1. buy price": "9.0",
                "2. high": "9.5",
                "3. low": "8.5",
                "4. sell price": "9.2",
                "5. volume": "1000",
            },
        },
    )
    fmt, bars = parse_text(json.dumps(doc), "av.json")
    assert fmt == ALPHAVANTAGE
    by_date = {b.date: b for b in bars}
    assert by_date["2025-06-02"].close == 9.2 and by_date["2025-06-02"].volume == 1000
    assert by_date["2025-06-03"].open == 10.0 and by_date["2025-06-03"].close is None


def test_alphavantage_jsonl_one_object_per_line():
    lines = [
        json.dumps(
            av_doc(
                s, {"2025-06-02": {"1. open": "1", "2. high": "2", "3. low": "1", "4. close": "2", "5. volume": "3"}}
            )
        )
        for s in ("AAA", "BBB")
    ]
    _, bars = parse_text("\n".join(lines) + "\n", "m.jsonl")
    assert sorted(b.symbol for b in bars) == ["AAA", "BBB"]
    assert bars[1].where.startswith("m.jsonl:2")


def test_alphavantage_without_meta_takes_symbol_from_file_name():
    doc = av_doc("", {"2025-06-02": {"1. open": "1"}}, meta=False)
    assert parse_text(json.dumps(doc), "daily_prices_TSLA.json")[1][0].symbol == "TSLA"


@pytest.mark.parametrize(
    "text, needle",
    [
        ("date,foo,bar\n2025-06-02,1,2\n", "x.csv:1: unrecognised header"),
        ("", "x.csv:1: unrecognised header"),
        (
            "date,symbol,open,high,low,close,volume\n2025-06-02,AAA,abc,1,1,1,1\n",
            "x.csv:2: open is not a number: 'abc'",
        ),
        (
            "date,symbol,open,high,low,close,volume\n2025-06-02,AAA,1,1,1,1,1\n2025-13-01,AAA,1,1,1,1,1\n",
            "x.csv:3: date is not a real calendar date",
        ),
        ("date,symbol,open,high,low,close,volume\n06/02/2025,AAA,1,1,1,1,1\n", "x.csv:2: date must be a date in"),
        ("date,symbol,open,high,low,close,volume\n2025-06-02,AAA,1,1,1\n", "x.csv:2: expected 7 fields, got 5"),
        ("date,symbol,open,high,low,close,volume\n2025-06-02,AAA,1,1,1,1,1.5\n", "x.csv:2: volume is not a whole"),
        ("date,symbol,open,high,low,close,volume\n2025-06-02,AAA,nan,1,1,1,1\n", "not a finite number"),
        ("date,symbol,open,high,low,close,volume\n2025-06-02,,1,1,1,1,1\n", "x.csv:2: invalid symbol"),
        (
            '{"Meta Data": {"2. Symbol": "A"}, "Time Series (Daily)": {"2025-06-02": {"1. open": "x"}}}',
            "[2025-06-02]: open is not a number",
        ),
        (
            '{"Meta Data": {"2. Symbol": "A"}, "Time Series (Daily)": {"2025-06-02": {"1. open": "1"}, '
            '"2025-06-02": {"1. open": "2"}}}',
            "duplicate key '2025-06-02'",
        ),
        ('{"Note": "Thank you for using Alpha Vantage! rate limit"}', "Alpha Vantage error response (Note)"),
        ('{"Meta Data": {"2. Symbol": "A"}}', "no 'Time Series (Daily)'"),
        ('{"Meta Data": ', "x.csv:1: invalid JSON"),
        ('{"Meta Data": {"2. Symbol": "A"}, "Time Series (Daily)": {}}\n{oops\n', "x.csv:2: invalid JSON line"),
    ],
)
def test_malformed_input_names_file_and_line(text, needle):
    with pytest.raises(InvalidData) as exc:
        parse_text(text, "x.csv")
    assert needle in exc.value.message

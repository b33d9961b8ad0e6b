"""Row rules and the suspected-split check."""

import pytest

from ai_trader.market.validation import RawBar, check_bar, suspected_splits

SESSIONS = frozenset({"2025-06-02", "2025-06-03"})


def bar(o=10.0, h=11.0, lo=9.0, c=10.5, v=100, date="2025-06-02"):
    return RawBar("AAA", date, o, h, lo, c, v, "f:2")


def test_good_and_open_only_bars_pass():
    assert check_bar(bar(), SESSIONS) is None
    assert check_bar(bar(h=None, lo=None, c=None, v=None), SESSIONS) is None
    assert check_bar(bar(o=10.0, h=10.0, lo=10.0, c=10.0, v=0), SESSIONS) is None


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"o": 0.0}, "open must be > 0"),
        ({"o": -1.0, "h": None, "lo": None, "c": None, "v": None}, "open must be > 0"),
        ({"c": -1.0, "lo": -2.0}, "must be > 0"),
        ({"h": 10.2}, "high 10.2 is below"),
        ({"lo": 10.2}, "low 10.2 is above"),
        ({"v": -5}, "volume must be >= 0"),
        ({"o": None}, "no open price"),
        ({"c": None}, "open-only bar must have no high"),
        ({"h": None}, "high and low are required"),
        ({"date": "2025-06-07"}, "not an XNYS trading session"),
    ],
)
def test_rule_violations_are_named(kwargs, needle):
    reason = check_bar(bar(**kwargs), SESSIONS)
    assert reason is not None and needle in reason


def test_split_check_flags_overnight_and_close_moves_once_per_day():
    rows = [
        ("AAA", "d1", 100.0, 100.0),
        ("AAA", "d2", 50.0, 51.0),  # overnight -50%: split
        ("AAA", "d3", 52.0, 52.0),
        ("AAA", "d4", 52.0, 80.0),  # close to close +54%
        ("BBB", "d1", 10.0, 10.0),  # new symbol: no comparison with AAA
        ("BBB", "d2", 13.9, 13.0),  # +39%: below threshold
        ("BBB", "d3", 20.0, None),  # open-only, +54% vs previous close
        ("BBB", "d4", 13.0, 13.0),  # compared with d2's close (d3 has none)
    ]
    got = [(w.symbol, w.date, w.kind) for w in suspected_splits(rows)]
    assert got == [("AAA", "d2", "open"), ("AAA", "d4", "close"), ("BBB", "d3", "open")]
    w = suspected_splits(rows)[0]
    assert w.move == pytest.approx(-0.5) and "possible split" in w.message()

"""PriceView.opens / closes: the tradable universe's quotes of one day (memoised per date, handed out as copies)."""

from ai_trader.market.prices import Bar, PriceView


def view() -> PriceView:
    return PriceView(
        [
            Bar("AAA", "2025-07-01", 10.0, 11.0, 9.0, 10.5, 100),
            Bar("BBB", "2025-07-01", 20.0, None, None, None, None),  # open-only bar: no close
            Bar("QQQ", "2025-07-01", 500.0, 501.0, 499.0, 500.5, 1),
        ],
        ("AAA", "BBB"),
        "QQQ",
    )


def test_opens_and_closes_of_the_tradable_universe():
    v = view()
    assert v.opens("2025-07-01") == {"AAA": 10.0, "BBB": 20.0}
    assert v.closes("2025-07-01") == {"AAA": 10.5}
    assert v.opens("2025-07-02") == {} and v.closes("2025-07-02") == {}


def test_a_caller_changing_its_dict_does_not_change_the_view():
    v = view()
    v.opens("2025-07-01")["AAA"] = 0.0
    v.closes("2025-07-01").clear()
    assert v.opens("2025-07-01") == {"AAA": 10.0, "BBB": 20.0}
    assert v.closes("2025-07-01") == {"AAA": 10.5}

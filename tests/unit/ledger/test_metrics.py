def test_benchmark_line_starts_at_first_close_when_the_symbol_lacks_the_first_days():
    """QQQ has no bar on 2025-06-02 in the packaged data: the line must still exist, flat until QQQ is priced."""
    from ai_trader.ledger.metrics import benchmark_series
    from ai_trader.market.prices import Bar, PriceView

    bars = [
        Bar("A", "2025-06-02", 1, 1, 1, 1, 1),
        Bar("A", "2025-06-03", 1, 1, 1, 1, 1),
        Bar("QQQ", "2025-06-03", 100, 110, 90, 105, 1),
        Bar("A", "2025-06-04", 1, 1, 1, 1, 1),
        Bar("QQQ", "2025-06-04", 100, 110, 90, 110, 1),
    ]
    pv = PriceView(bars, ("A",), "QQQ")
    start, initial, series = benchmark_series(pv, "QQQ", ["2025-06-02", "2025-06-03", "2025-06-04"], 10_000.0)
    assert initial == 10_000.0
    assert [d for d, _ in series] == ["2025-06-02", "2025-06-03", "2025-06-04"]
    assert series[0][1] == 10_000.0 and series[1][1] == 10_000.0
    assert round(series[2][1], 2) == round(10_000 * 110 / 105, 2)

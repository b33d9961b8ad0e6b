"""The one price-view cache (market/view_cache.py) and its one freshness rule: the same snapshot while the price
store is unchanged; a new or completed latest bar at once; a correction of an older bar at the next full check
(`full_check_seconds`, on the cache's clock); and a commit elsewhere is noticed (the MCP servers' process)."""

from __future__ import annotations

from ai_trader.market.importers import import_file
from ai_trader.market.view_cache import PriceViewCache
from ai_trader.store import Store


def _import(store, tmp_path, rows):
    path = tmp_path / "fix.csv"
    path.write_text("date,symbol,open,high,low,close,volume\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    import_file(store, path)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_view_is_reloaded_only_when_the_price_store_changed(priced_store, tmp_path):
    clock = Clock()
    cache = PriceViewCache(priced_store, full_check_seconds=30, clock=clock)
    first = cache.get()
    assert cache.get() is first and cache.if_current() is first and cache.version == 1
    _import(priced_store, tmp_path, ["2025-10-31,AAPL,270,275,265,271,1000"])
    assert cache.if_current() is None  # a commit since the last check: a check is needed
    second = cache.get()
    assert second is not first and second.close("AAPL", "2025-10-31") == 271 and cache.version == 2
    old = second.close("MSFT", "2025-07-01")
    _import(priced_store, tmp_path, [f"2025-07-01,MSFT,{old},{old + 5},{old - 5},{old + 1},1000"])
    assert cache.get() is second  # an older bar changed: not seen by the cheap check
    clock.now += 30  # the full check is due
    third = cache.get()
    assert third is not second and third.close("MSFT", "2025-07-01") == old + 1 and cache.version == 3
    clock.now += 30  # due again, but nothing was committed since the last full check: no scan, same view
    assert cache.if_current() is third and cache.get() is third


def test_a_commit_from_another_connection_is_noticed(settings, priced_store, tmp_path):
    """As in the MCP servers' process: the importer runs elsewhere, on another connection to the file."""
    cache = PriceViewCache(priced_store)
    first = cache.get()
    other = Store(settings.db_path)
    try:
        _import(other, tmp_path, ["2025-10-31,AAPL,270,275,265,271,1000"])
    finally:
        other.close()
    assert cache.get() is not first and cache.get().is_trading_day("2025-10-31")

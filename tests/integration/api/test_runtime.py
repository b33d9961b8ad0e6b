"""The service's cached price view follows imports: a new or completed latest bar at once, corrections of older
bars at the next full check."""

from __future__ import annotations

from ai_trader.market.importers import import_file
from ai_trader.service.runtime import Runtime


def _import(store, tmp_path, rows):
    path = tmp_path / "fix.csv"
    path.write_text("date,symbol,open,high,low,close,volume\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    import_file(store, path)


def test_price_view_reloads_when_the_store_changes(api_settings, priced_store, tmp_path):
    rt = Runtime(api_settings, priced_store, full_check_seconds=3600)
    first = rt.prices()
    assert rt.prices() is first  # unchanged store: the same snapshot
    _import(priced_store, tmp_path, ["2025-10-31,AAPL,270,275,265,271,1000"])
    second = rt.prices()
    assert second is not first and second.close("AAPL", "2025-10-31") == 271
    old = second.close("MSFT", "2025-07-01")
    _import(priced_store, tmp_path, [f"2025-07-01,MSFT,{old},{old + 5},{old - 5},{old + 1},1000"])
    assert rt.prices() is second  # an older bar changed: not seen by the cheap per-request check
    rt.full_check_seconds = 0.0  # the full check is due
    third = rt.prices()
    assert third is not second and third.close("MSFT", "2025-07-01") == old + 1

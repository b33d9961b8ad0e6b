"""Shared pieces of the downloader tests: a fake clock (its sleep advances time, nothing really sleeps), a store
seeded from a slice of the packaged NASDAQ-100 file, settings pointing at the local Alpha Vantage stand-in."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from ai_trader.market.importers import import_file
from ai_trader.settings import Settings
from ai_trader.store import Store

AFTER_CLOSE_1030 = dt.datetime(2025, 10, 30, 21, 0, tzinfo=dt.UTC).timestamp()  # 17:00 New York


class FakeClock:
    def __init__(self, t: float = AFTER_CLOSE_1030):
        self.t = t
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def seed(store: Store, csv_path: Path, tmp: Path, cutoffs: dict[str, str]) -> None:
    """Import the packaged rows of the symbols in `cutoffs`, each up to its cutoff date (inclusive)."""
    out = tmp / "seed.csv"
    with open(csv_path, newline="") as f, open(out, "w", newline="") as g:
        rows, w = csv.reader(f), csv.writer(g)
        w.writerow(next(rows))
        for r in rows:
            if r[1] in cutoffs and r[0] <= cutoffs[r[1]]:
                w.writerow(r)
    import_file(store, out)


def av_settings(settings: Settings, url: str, **over) -> Settings:
    return settings.model_copy(update={"alphaadvantage_api_key": "TESTKEY", "alphavantage_base_url": url, **over})


def bars(store: Store, symbol: str) -> dict[str, tuple]:
    rows = (
        store.conn()
        .execute(
            "SELECT date, open, high, low, close, volume, provisional FROM prices WHERE symbol = ? ORDER BY date",
            (symbol,),
        )
        .fetchall()
    )
    return {r[0]: tuple(r[1:]) for r in rows}

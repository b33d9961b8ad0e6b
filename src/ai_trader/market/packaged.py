"""Offline default data: the daily prices shipped by the PyPI package `bokeh-sampledata`.

`bokeh_sampledata/_data/stocks.csv.gz` is the public-domain Quandl WIKI end-of-day set, unadjusted
(columns Ticker,Date,Open,High,Low,Close,Volume,Adj Close): AAPL, IBM, MSFT 2000-03-01..2013-03-01,
GOOG from 2004-08-19, FB from 2012-05-18. It has no benchmark. Being unadjusted, it contains real
splits (e.g. AAPL 2005-02-28, MSFT 2003-02-18), which the import reports as suspected splits.
"""

from __future__ import annotations

import gzip
import logging
from importlib import resources

from ..errors import NoData
from ..store import Store
from ..store import prices as price_rows
from .formats import parse_text
from .importers import DEFAULT_BENCHMARKS, ImportReport, import_bars

log = logging.getLogger(__name__)

PACKAGE = "bokeh_sampledata"
RESOURCE = ("_data", "stocks.csv.gz")
SOURCE = "packaged:bokeh-sampledata/stocks.csv.gz"


def packaged_text() -> str:
    """The packaged CSV as text (read without pandas)."""
    try:
        ref = resources.files(PACKAGE).joinpath(*RESOURCE)
        with ref.open("rb") as f:
            return gzip.decompress(f.read()).decode("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        raise NoData(f"packaged price data not available ({PACKAGE}/{'/'.join(RESOURCE)}): {exc}") from None


def import_packaged(store: Store) -> ImportReport:
    """Import the packaged data set (idempotent)."""
    fmt, bars = parse_text(packaged_text(), SOURCE)
    return import_bars(store, bars, fmt=fmt, source=SOURCE, name=SOURCE, benchmarks=DEFAULT_BENCHMARKS)


def ensure_price_data(store: Store) -> ImportReport | None:
    """Import the packaged data set when the price store is empty; None when there were prices already."""
    if price_rows.count_bars(store.conn()) > 0:
        return None
    report = import_packaged(store)
    log.info(
        "price store was empty: imported the packaged data set (%s): %d bars of %s",
        SOURCE,
        report.total("added"),
        ", ".join(s.symbol for s in report.symbols),
    )
    return report

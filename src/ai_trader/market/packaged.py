"""The embedded default data set: real NASDAQ-100 daily bars shipped inside the package.

`ai_trader/market/data/nasdaq100_daily.csv.gz` holds unadjusted Alpha Vantage TIME_SERIES_DAILY bars of the 101
NASDAQ-100 members and the QQQ benchmark, 2025-06-02..2025-10-30 (106 trading days, 10,811 rows);
`nasdaq100_daily.meta.json` says where they came from and which corporate actions they contain (ORLY 15:1 on
2025-06-10). Importing records both: the source (with the text's SHA-256) in `data_sources`, the actions in
`corporate_actions`. The text is checked against its known checksum before anything is written.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from importlib import resources
from typing import Any

from ..errors import InvalidData
from ..store import Store
from ..store import prices as price_store
from .formats import parse_text
from .importers import DEFAULT_BENCHMARKS, ImportReport, describe_dataset, import_bars

log = logging.getLogger(__name__)

PACKAGE = "ai_trader.market.data"
CSV_GZ = "nasdaq100_daily.csv.gz"
META = "nasdaq100_daily.meta.json"
SOURCE = "packaged:nasdaq100_daily"
SHA256 = "02efe836799e1a1a4b558c2957a4861d391b93be5b7628ca04454765e06ff97c"  # of the uncompressed CSV text


def packaged_text() -> str:
    """The packaged CSV as text, checked against its SHA-256."""
    raw = gzip.decompress(resources.files(PACKAGE).joinpath(CSV_GZ).read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        raise InvalidData(f"packaged data {CSV_GZ} is corrupt (sha256 {digest}, expected {SHA256})", {"where": CSV_GZ})
    return raw.decode("utf-8")


def packaged_meta() -> dict[str, Any]:
    """The data set's description: source, symbols, first/last date, rows, corporate actions."""
    meta: dict[str, Any] = json.loads(resources.files(PACKAGE).joinpath(META).read_text(encoding="utf-8"))
    return meta


def import_packaged(store: Store) -> ImportReport:
    """Import the packaged data set with its source and corporate actions (idempotent, one transaction)."""
    meta = packaged_meta()
    fmt, bars = parse_text(packaged_text(), f"{PACKAGE}/{CSV_GZ}")
    return import_bars(
        store,
        bars,
        fmt=fmt,
        source=SOURCE,
        name=SOURCE,
        benchmarks=DEFAULT_BENCHMARKS,
        dataset=describe_dataset(meta, SOURCE, len(bars), SHA256, CSV_GZ),
    )


def ensure_price_data(store: Store) -> ImportReport | None:
    """Import the packaged data set when the price store is empty; None when there were prices already."""
    if price_store.count_bars(store.conn()) > 0:
        return None
    report = import_packaged(store)
    log.info(
        "price store was empty: imported the packaged data set",
        extra={"source": SOURCE, "bars": report.total("added"), "symbols": len(report.symbols)},
    )
    return report

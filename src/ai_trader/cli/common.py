"""What every command needs: settings built once, logging set up."""

from __future__ import annotations

import sys

from rich.console import Console

from ..logs import setup_logging
from ..market.packaged import ensure_price_data
from ..settings import Settings
from ..store import Store


def load_settings(*, batch: bool = False, **overrides) -> Settings:
    """Settings from the environment (+ overrides given on the command line), logging set up.

    `batch` commands draw a progress bar and a table on stdout: their log lines go to stderr, WARNING and up
    (unless LOG_LEVEL asks for more detail than INFO, e.g. DEBUG).
    """
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    if batch:
        level = settings.log_level.upper()
        setup_logging(level if level == "DEBUG" else "WARNING", settings.log_format, stream=sys.stderr)
    else:
        setup_logging(settings.log_level, settings.log_format)
    return settings


def ensure_data(store: Store, out: Console) -> None:
    """First use of an empty price store: import the packaged NASDAQ-100 data set and say so."""
    report = ensure_price_data(store)
    if report is not None:
        out.print(
            f"The price store was empty: imported the packaged NASDAQ-100 data set ({report.total('added')} bars, "
            f"{len(report.symbols)} symbols) into {store.path}.",
            highlight=False,
            soft_wrap=True,
        )

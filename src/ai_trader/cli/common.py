"""What every command needs: settings built once, logging set up."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError
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
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise typer.Exit(_invalid_settings(exc)) from None
    if batch:
        level = settings.log_level.upper()
        setup_logging(level if level == "DEBUG" else "WARNING", settings.log_format, stream=sys.stderr)
    else:
        setup_logging(settings.log_level, settings.log_format)
    return settings


def _invalid_settings(exc: ValidationError) -> int:
    """Print each bad setting by its environment variable's name (no traceback); the exit status (2)."""
    problems = []
    for err in exc.errors():
        name = "_".join(str(p) for p in err["loc"]).upper() or "settings"
        got = f" (got {err['input']!r})" if not isinstance(err.get("input"), dict) else ""
        problems.append(f"{name}: {err['msg']}{got}")
    Console(stderr=True).print("invalid settings: " + "; ".join(problems), highlight=False, soft_wrap=True)
    return 2


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

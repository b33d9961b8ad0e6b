"""What every command needs: settings built once, logging set up."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from ..errors import AppError
from ..logs import setup_logging
from ..market.packaged import ensure_price_data
from ..settings import INVALID, Settings, describe_invalid
from ..store import Store


def load_settings(*, batch: bool = False, **overrides) -> Settings:
    """Settings from the environment (+ overrides given on the command line), logging set up; a bad value is
    printed with its variable's name and exits 2.

    `batch` commands draw a progress bar and a table on stdout: their log lines go to stderr, WARNING and up
    (unless LOG_LEVEL asks for more detail than INFO, e.g. DEBUG).
    """
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except INVALID as exc:  # a bad variable (or option): named, no traceback, exit 2
        Console(stderr=True).print(describe_invalid(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if batch:
        level = settings.log_level.upper()
        setup_logging(level if level == "DEBUG" else "WARNING", settings.log_format, stream=sys.stderr)
    else:
        setup_logging(settings.log_level, settings.log_format)
    return settings


def print_error(exc: AppError) -> None:
    """`code: message` on stderr, then every problem of an `invalid_config` (or request) on its own line."""
    err = Console(stderr=True)
    problems = exc.details.get("problems") if isinstance(exc.details, dict) else None
    if isinstance(problems, list) and problems:
        err.print(f"[red]{exc.code}[/red]: {len(problems)} problem(s):", highlight=False, soft_wrap=True)
        for p in problems:
            text = f"{p.get('location')}: {p.get('problem')}" if isinstance(p, dict) else str(p)
            err.print(f"  {text}", markup=False, highlight=False, soft_wrap=True)
        return
    err.print(f"[red]{exc.code}[/red]: {exc.message}", highlight=False, soft_wrap=True)


def ensure_data(store: Store, out: Console) -> None:
    """First use of an empty price store: import the packaged NASDAQ-100 data set and say so."""
    report = ensure_price_data(store)
    if report is not None:
        out.print(
            f"The price store was empty: imported the packaged NASDAQ-100 data set ({report.total('added')} bars, "
            f"{len(report.symbols)} symbols) into {store.location}.",
            highlight=False,
            soft_wrap=True,
        )

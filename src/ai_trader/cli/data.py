"""`ai-trader data import|status`: load price files into the store and show its coverage."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ..errors import AppError
from ..market.importers import ImportReport, expand_paths, import_file
from ..market.packaged import import_packaged
from ..market.status import DataStatus, data_status
from ..store import Store
from .common import load_settings

data_app = typer.Typer(help="Market data: import price files, show coverage.", no_args_is_help=True)

_DATA_DIR = typer.Option(None, "--data-dir", help="Directory of the database (env DATA_DIR, default ./data).")
_JSON = typer.Option(False, "--json", help="Print JSON instead of tables.")


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")


@data_app.command("import")
def import_cmd(
    paths: list[Path] = typer.Argument(None, help="Files or directories: long CSV, per-symbol CSV, "
                                                   "Alpha Vantage TIME_SERIES_DAILY JSON/JSONL."),
    symbol: str | None = typer.Option(None, "--symbol", help="Symbol of a per-symbol file (default: from the "
                                                             "file name); for other formats import only it."),
    packaged: bool = typer.Option(False, "--packaged", help="Import the packaged offline data set "
                                                            "(bokeh-sampledata, AAPL/GOOG/IBM/MSFT/FB 2000-2013)."),
    data_dir: Path | None = _DATA_DIR,
    as_json: bool = _JSON,
) -> None:
    """Import price files (idempotent upsert by symbol and date; each file all-or-nothing)."""
    if not paths and not packaged:
        raise typer.BadParameter("give at least one PATH or --packaged")
    settings = load_settings(data_dir=data_dir)
    store = Store(settings.db_path)
    out, err = Console(), Console(stderr=True)
    reports: list[dict] = []
    failed = 0
    jobs = [("packaged", None)] if packaged else []
    jobs += [(str(p), p) for p in expand_paths(paths or [])]
    try:
        for name, path in jobs:
            try:
                rep = import_packaged(store) if path is None else import_file(
                    store, path, symbol=symbol, benchmarks=set(settings.benchmark_symbols))
            except AppError as exc:
                failed += 1
                reports.append({"source": name, "error": exc.message})
                err.print(f"[red]error[/red] {exc.message} (nothing written for this file)", markup=True,
                          highlight=False, soft_wrap=True)
                continue
            reports.append(rep.to_dict())
            if not as_json:
                _print_report(out, rep)
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps({"files": reports, "failed": failed}, indent=2))
    if failed:
        raise typer.Exit(1)


@data_app.command("status")
def status_cmd(data_dir: Path | None = _DATA_DIR, as_json: bool = _JSON) -> None:
    """Coverage per symbol, gaps against the trading calendar, trading days, suspected splits."""
    settings = load_settings(data_dir=data_dir)
    store = Store(settings.db_path)
    try:
        st = data_status(store)
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(st.to_dict(), indent=2))
    else:
        _print_status(Console(), st)


def _print_report(out: Console, rep: ImportReport) -> None:
    table = Table(title=f"{rep.source} ({rep.format})")
    for col in ("symbol", "added", "updated", "unchanged", "rejected"):
        table.add_column(col, justify="left" if col == "symbol" else "right")
    for s in rep.symbols:
        table.add_row(s.symbol, str(s.added), str(s.updated), str(s.unchanged), str(s.rejected))
    table.add_section()
    table.add_row("total", *(str(rep.total(k)) for k in ("added", "updated", "unchanged", "rejected")))
    out.print(table)
    for r in rep.rejected:
        out.print(f"rejected {r.where}: {r.symbol} {r.date}: {r.reason}", highlight=False, soft_wrap=True)
    for w in rep.warnings:
        out.print(f"[yellow]warning[/yellow] {w.message()}", highlight=False, soft_wrap=True)
    if rep.new_symbols:
        out.print(f"new symbols: {', '.join(rep.new_symbols)}", highlight=False, soft_wrap=True)


def _print_status(out: Console, st: DataStatus) -> None:
    if not st.symbols:
        out.print("The price store is empty: run `ai-trader data import PATH` or `ai-trader data import --packaged`.")
        return
    table = Table(title=f"{st.trading_days} trading days {st.first_trading_day} .. {st.last_trading_day}, "
                        f"{st.total_bars} bars")
    for col in ("symbol", "role", "first", "last", "rows", "open-only", "prov.", "missing", "gaps"):
        numeric = col in ("rows", "open-only", "prov.", "missing")
        table.add_column(col, justify="right" if numeric else "left", no_wrap=col != "gaps")
    for s in st.symbols:
        role = "bench" if s.benchmark else ("trade" if s.tradable else "-")
        gaps = ", ".join(g.start if g.days == 1 else f"{g.start}..{g.end}" for g in s.gaps[:3])
        if len(s.gaps) > 3:
            gaps += f" (+{len(s.gaps) - 3} more)"
        table.add_row(s.symbol, role, s.first_date or "-", s.last_date or "-", str(s.rows), str(s.incomplete),
                      str(s.provisional), str(s.missing_days), gaps)
    out.print(table)
    for w in st.splits:
        out.print(f"[yellow]suspected split[/yellow] {w.message()}", highlight=False, soft_wrap=True)

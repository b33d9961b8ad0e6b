"""`ai-trader data import|fetch|status`: load price files, download missing bars, show the store's coverage."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from ..errors import AppError
from ..market.actions import ActionsReport, import_actions
from ..market.fetch import FetchReport, fetch_prices
from ..market.importers import ImportReport, expand_paths, import_file
from ..market.membership import MembershipReport, import_membership
from ..market.packaged import import_packaged
from ..market.status import BudgetStatus, DataStatus, budget_status, data_status
from ..store import Store
from ..timeutil import parse_date
from .common import load_settings
from .envvars import epilog

data_app = typer.Typer(
    help="Market data: import price files, download from Alpha Vantage, show coverage.", no_args_is_help=True
)

_DATA_DIR = typer.Option(None, "--data-dir", help="Directory of the database (env DATA_DIR, default ./data).")
_JSON = typer.Option(False, "--json", help="Print JSON instead of tables.")
_SYMBOLS = typer.Option(
    None, "--symbols", help="Symbols to fetch (repeat or comma-separate; default: the universe and the benchmarks)."
)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")


@data_app.command("import", epilog=epilog("data import"))
def import_cmd(
    paths: list[Path] = typer.Argument(
        None, help="Files or directories: long CSV, per-symbol CSV, Alpha Vantage TIME_SERIES_DAILY JSON/JSONL."
    ),
    symbol: str | None = typer.Option(
        None,
        "--symbol",
        help="Symbol of a per-symbol file (default: from the file name); for other formats import only it.",
    ),
    packaged: bool = typer.Option(
        False,
        "--packaged",
        help="Import the packaged offline data set (real NASDAQ-100 daily bars + QQQ, 2025-06-02..2025-10-30).",
    ),
    actions: list[Path] = typer.Option(
        None,
        "--actions",
        help="CSV of corporate actions (symbol,effective_date,kind,ratio,amount[,note]; kind split or dividend).",
    ),
    membership: str | None = typer.Option(
        None,
        "--membership",
        help="Index membership history replacing the recorded one: a CSV (symbol,start_date,end_date) or "
        "'index-constitution' (the NASDAQ-100 history that package ships). Then a day's tradable set is its members.",
    ),
    data_dir: Path | None = _DATA_DIR,
    as_json: bool = _JSON,
) -> None:
    """Import price files (idempotent upsert by symbol and date; each file all-or-nothing)."""
    if not paths and not packaged and not actions and not membership:
        raise typer.BadParameter("give at least one PATH, --packaged, --actions FILE or --membership SOURCE")
    settings = load_settings(data_dir=data_dir)
    store = Store(settings.db_path)
    out, err = Console(), Console(stderr=True)
    reports: list[dict] = []
    failed = 0
    jobs: list[tuple[str, Path | None]] = [("packaged", None)] if packaged else []
    jobs += [(str(p), p) for p in expand_paths(paths or [])]
    jobs += [(f"actions:{p}", p) for p in actions or []]
    jobs += [(f"membership:{membership}", None)] if membership else []
    try:
        for name, path in jobs:
            try:
                rep: ImportReport | ActionsReport | MembershipReport
                if name.startswith("membership:"):
                    rep = import_membership(store, name.removeprefix("membership:"))
                elif name.startswith("actions:") and path is not None:
                    rep = import_actions(store, path)
                elif path is None:
                    rep = import_packaged(store)
                else:
                    rep = import_file(store, path, symbol=symbol, benchmarks=set(settings.benchmark_symbols))
            except AppError as exc:
                failed += 1
                reports.append({"source": name, "error": exc.message})
                err.print(
                    f"[red]error[/red] {exc.message} (nothing written for this file)",
                    markup=True,
                    highlight=False,
                    soft_wrap=True,
                )
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


@data_app.command("status", epilog=epilog("data status"))
def status_cmd(data_dir: Path | None = _DATA_DIR, as_json: bool = _JSON) -> None:
    """Coverage per symbol, gaps against the trading calendar, trading days, suspected splits."""
    settings = load_settings(data_dir=data_dir)
    store = Store(settings.db_path)
    try:
        st = data_status(store)
        budget = budget_status(store, settings)
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps({**st.to_dict(), "alphavantage_budget": budget.to_dict()}, indent=2))
    else:
        _print_status(Console(), st)
        _print_budget(Console(), st, budget)


def _print_report(out: Console, rep: ImportReport | ActionsReport | MembershipReport) -> None:
    if isinstance(rep, ActionsReport):
        out.print(f"{rep.source}: recorded {rep.splits} split(s), {rep.dividends} dividend(s)", highlight=False)
        return
    if isinstance(rep, MembershipReport):
        out.print(
            f"{rep.source}: index membership of {rep.symbols} symbols ({rep.intervals} spans) recorded; a day's "
            "tradable set is now its members with a bar that day",
            highlight=False,
            soft_wrap=True,
        )
        return
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
    table = Table(
        title=f"{st.trading_days} trading days {st.first_trading_day} .. {st.last_trading_day}, {st.total_bars} bars"
    )
    for col in ("symbol", "role", "first", "last", "rows", "open-only", "prov.", "missing", "gaps"):
        numeric = col in ("rows", "open-only", "prov.", "missing")
        table.add_column(col, justify="right" if numeric else "left", no_wrap=col != "gaps")
    for s in st.symbols:
        role = "bench" if s.benchmark else ("trade" if s.tradable else "-")
        gaps = ", ".join(g.start if g.days == 1 else f"{g.start}..{g.end}" for g in s.gaps[:3])
        if len(s.gaps) > 3:
            gaps += f" (+{len(s.gaps) - 3} more)"
        table.add_row(
            s.symbol,
            role,
            s.first_date or "-",
            s.last_date or "-",
            str(s.rows),
            str(s.incomplete),
            str(s.provisional),
            str(s.missing_days),
            gaps,
        )
    out.print(table)
    for src in st.sources:
        out.print(
            f"source {src.name}: {src.description} ({src.rows} rows, {src.first_date}..{src.last_date}, "
            f"imported {src.imported_at})",
            highlight=False,
            soft_wrap=True,
        )
    if st.membership:
        m = st.membership
        out.print(
            f"index membership {m['source']}: {m['symbols']} symbols ({m['spans']} spans); "
            f"{len(m['tradable_on_last_day'])} tradable on {m['last_trading_day']} (members with a bar that day)",
            highlight=False,
            soft_wrap=True,
        )
    for act in st.corporate_actions:
        what = f"split {act.ratio:g}:1" if act.kind == "split" else f"dividend {act.amount:g}/share"
        out.print(
            f"corporate action {act.symbol} {act.effective_date}: {what} ({act.source})",
            highlight=False,
            soft_wrap=True,
        )
    for w in st.splits:
        if (rec := st.recorded(w)) is not None:
            out.print(
                f"recorded split {w.message().removesuffix(' - possible split')}: the {rec.kind} declared by "
                f"{rec.source}",
                highlight=False,
                soft_wrap=True,
            )
        else:
            out.print(
                f"[yellow]suspected split[/yellow] {w.message()}: not applied to holdings until confirmed with "
                "`ai-trader data import --actions FILE` (symbol,effective_date,kind,ratio,amount)",
                highlight=False,
                soft_wrap=True,
            )


@data_app.command("fetch", epilog=epilog("data fetch"))
def fetch_cmd(
    symbols: list[str] = _SYMBOLS,
    start: str | None = typer.Option(
        None, "--start", help="First date needed (default: each symbol's first stored day)."
    ),
    end: str | None = typer.Option(None, "--end", help="Last date needed (default: the last closed session)."),
    data_dir: Path | None = _DATA_DIR,
    as_json: bool = _JSON,
) -> None:
    """Download from Alpha Vantage (TIME_SERIES_DAILY) the trading days the store is missing, within the request
    budget (AV_REQUESTS_PER_MINUTE, AV_REQUESTS_PER_DAY). Exit 1 when a symbol failed or was skipped."""
    for name, value in (("--start", start), ("--end", end)):
        if value is not None:
            try:
                parse_date(value, name)
            except AppError as exc:
                raise typer.BadParameter(exc.message, param_hint=name) from None
    if start and end and start > end:
        raise typer.BadParameter(f"--start {start} is after --end {end}")
    wanted = [s for item in symbols or [] for s in item.split(",") if s.strip()]
    settings = load_settings(data_dir=data_dir)
    store = Store(settings.db_path)
    err = Console(stderr=True)
    try:
        with Progress(console=err, transient=True, disable=as_json) as bar:
            task = bar.add_task("fetching", total=None)

            def progress(symbol: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=f"fetching {symbol}".strip())

            report = fetch_prices(store, settings, symbols=wanted or None, start=start, end=end, on_progress=progress)
    except AppError as exc:
        err.print(f"[red]error[/red] {exc.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_fetch(Console(), report)
    if report.by_status("failed") or report.by_status("skipped"):
        raise typer.Exit(1)


def _print_fetch(out: Console, rep: FetchReport) -> None:
    table = Table(title=f"Alpha Vantage fetch through {rep.through or '-'}")
    for col in ("symbol", "status", "size", "requests", "added", "updated", "still missing"):
        numeric = col in ("requests", "added", "updated", "still missing")
        table.add_column(col, justify="right" if numeric else "left", no_wrap=True)
    for o in rep.outcomes:
        table.add_row(
            o.symbol, o.status, o.outputsize or "-", str(o.requests), str(o.added), str(o.updated), str(len(o.missing))
        )
    out.print(table)
    for o in rep.outcomes:
        if o.message:
            out.print(f"[red]{o.status}[/red] {o.symbol}: {escape(o.message)}", highlight=False, soft_wrap=True)
    counts = rep.to_dict()["counts"]
    out.print(
        f"{counts['fetched']} fetched, {counts['current']} current, {counts['failed']} failed, "
        f"{counts['skipped']} skipped; {rep.requests_today}/{rep.requests_per_day} requests used on "
        f"{rep.budget_day} (America/New_York)",
        highlight=False,
        soft_wrap=True,
    )


def _print_budget(out: Console, st: DataStatus, budget: BudgetStatus) -> None:
    out.print(
        f"provisional bars: {st.provisional} (newest downloaded bar per symbol; replaced by the next fetch)",
        highlight=False,
        soft_wrap=True,
    )
    out.print(
        f"Alpha Vantage: {budget.used}/{budget.per_day} requests used on {budget.day} (America/New_York), "
        f"{budget.per_minute}/min; key {'set' if budget.key_configured else 'not set'}, auto-download "
        f"{'on' if budget.auto_download else 'off'}",
        highlight=False,
        soft_wrap=True,
    )

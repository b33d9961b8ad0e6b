"""`ai-trader results` and `ai-trader performance`: the same answers as `GET /results` and `GET /performance`
(the same service functions), printed as tables or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from ..errors import AppError
from .board_stats import print_inference, print_statistics
from .common import load_settings, print_error
from .envvars import epilog

if TYPE_CHECKING:
    from ..settings import Settings
    from ..store import Store

_DATA_DIR = typer.Option(None, "--data-dir", help="Directory of the database (env DATA_DIR, default ./data).")
_JSON = typer.Option(False, "--json", help="Print JSON (exactly the API's body) instead of tables.")


def register(app: typer.Typer) -> None:
    app.command("results", epilog=epilog("results"))(results_cmd)
    app.command("performance", epilog=epilog("performance"))(performance_cmd)


def _fail(exc: AppError) -> NoReturn:
    print_error(exc)
    raise typer.Exit(1)


def _answer(data_dir: Path | None, query: Callable[[Settings, Store], dict[str, Any]]) -> dict[str, Any]:
    """Run one service query on the data directory's store; an AppError is printed and exits 1."""
    from ..store import Store

    settings = load_settings(data_dir=data_dir)
    store = Store(settings.store_url)
    try:
        return query(settings, store)
    except AppError as exc:
        _fail(exc)
    finally:
        store.close()


def results_cmd(
    date: str | None = typer.Option(None, "--date", help="One trading day, YYYY-MM-DD."),
    start: str | None = typer.Option(None, "--start", help="Range start, YYYY-MM-DD."),
    end: str | None = typer.Option(None, "--end", help="Range end, YYYY-MM-DD."),
    model: str | None = typer.Option(None, "--model", help="Signature (default: all)."),
    job_id: str | None = typer.Option(
        None, "--job-id", help="Only model-days committed by this job; alone: the job's own date range."
    ),
    detail: str = typer.Option("minimal", "--detail", help="minimal | full"),
    run: int | None = typer.Option(None, "--run", min=1, max=50, help="One run of repeated runs (default: run 1)."),
    data_dir: Path | None = _DATA_DIR,
    as_json: bool = _JSON,
) -> None:
    """Positions and daily P&L for a date, or days and metrics for a range (as GET /results)."""
    from ..market.prices import PriceView
    from ..service.results import results_for_date, results_for_range

    def query(settings: Settings, store: Store) -> dict[str, Any]:
        if date is not None:
            return results_for_date(store, date, model, detail, job_id, agent_data_dir=settings.agent_data_dir, run=run)
        return results_for_range(
            store,
            PriceView.load(store),
            start,
            end,
            model,
            detail,
            job_id,
            settings.risk_free_rate,
            agent_data_dir=settings.agent_data_dir,
            run=run,
        )

    body = _answer(data_dir, query)
    if as_json:
        typer.echo(json.dumps(body, indent=2))
    elif "date" in body:
        _print_date(Console(), body)
    else:
        _print_range(Console(), body)


def performance_cmd(
    start: str | None = typer.Option(None, "--start", help="Range start (default: first committed day)."),
    end: str | None = typer.Option(None, "--end", help="Range end (default: last committed day)."),
    model: list[str] | None = typer.Option(None, "--model", help="Signature(s) to include (repeatable)."),
    run: int | None = typer.Option(
        None, "--run", min=1, max=50, help="Rows and statistics of one run (default: run 1, statistics over all runs)."
    ),
    data_dir: Path | None = _DATA_DIR,
    as_json: bool = _JSON,
) -> None:
    """The leaderboard sorted by cumulative return, with the QQQ benchmark (as GET /performance)."""
    from ..market.prices import PriceView
    from ..service.performance import performance as leaderboard

    body = _answer(
        data_dir,
        lambda settings, store: leaderboard(
            store, PriceView.load(store), start, end, model or None, settings.risk_free_rate, run
        ),
    )
    if as_json:
        typer.echo(json.dumps(body, indent=2))
    else:
        print_leaderboard(Console(), body)


def _pct(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x * 100:+.{digits}f}%"


def _unsigned(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x * 100:.{digits}f}%"


def _num(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _holdings(positions: dict[str, float]) -> str:
    held = [f"{s} {int(n)}" for s, n in positions.items() if s != "CASH"]
    return ", ".join(held[:6]) + (f" (+{len(held) - 6})" if len(held) > 6 else "") or "-"


def _print_date(out: Console, body: dict[str, Any]) -> None:
    table = Table(title=f"Results {body['date']}")
    for col in ("model", "value", "profit", "return", "cash", "holdings", "trades"):
        table.add_column(col, justify="right" if col in ("value", "profit", "return", "cash", "trades") else "left")
    for r in body["results"]:
        pnl = r["daily_pnl"]
        trades = str(len(r["trades"])) if "trades" in r else "-"
        table.add_row(
            r["model"],
            _num(pnl["portfolio_value"]),
            _num(pnl["profit"]),
            f"{pnl['return_pct']:+.2f}%",
            _num(r["positions"].get("CASH")),
            _holdings(r["positions"]),
            trades,
        )
    out.print(table)
    for r in body["results"]:
        if r.get("in_training_window"):
            out.print(f"{r['model']}: {body['date']} is in its training window (on or before its knowledge cutoff)")
    for r in body["results"]:
        if flag := r.get("ai_reasoning", {}).get("no_tool_use"):
            out.print(f"[yellow]warning[/yellow]: {r['model']} never used a tool ({flag})", highlight=False)
    for r in body["results"]:
        if r.get("ai_reasoning", {}).get("reasoning_summary"):
            out.print(f"[bold]{r['model']}[/bold]: {r['ai_reasoning']['reasoning_summary']}", highlight=False)
    print_failed_attempts(out, body)


def print_failed_attempts(out: Console, body: dict[str, Any]) -> None:
    """One line per failed attempt at a day of the query (never a committed day; its conversation is in `file`)."""
    for f in body.get("failed_attempts") or []:
        out.print(
            f"[red]failed[/red]: {f['model']} {f['date']} attempt {f['attempt']}: {f['error']} "
            f"({f['total_steps']} step(s); agent_data/{f['file']})",
            highlight=False,
            soft_wrap=True,
        )


def _print_range(out: Console, body: dict[str, Any]) -> None:
    table = Table(title=f"Results {body['start_date']} .. {body['end_date']}")
    for col in ("model", "days", "end value", "cum. return", "QQQ", "sharpe", "max DD", "trades"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in body["results"]:
        m = r["metrics"]
        bm = m.get("benchmark") or {}
        table.add_row(
            r["model"],
            str(m["days"]),
            _num(m["end_value"]),
            _pct(m["cumulative_return"]),
            _pct(bm.get("cumulative_return")),
            _num(m["sharpe"]),
            _pct(m["max_drawdown"]),
            str(m["trades"]),
        )
    out.print(table)
    print_tool_use(out, body["results"])
    print_cutoffs(out, body["results"])
    print_failed_attempts(out, body)


def print_cutoffs(out: Console, entries: list[dict[str, Any]]) -> None:
    """For signatures whose model states a knowledge_cutoff: its days in the training window and the metrics of the
    days after the cutoff alone (next to all days in the table above)."""
    rows = [r for r in entries if r.get("knowledge_cutoff")]
    if not rows:
        return
    table = Table(title="After the knowledge cutoff (days in the training window left out)", box=box.SIMPLE_HEAD)
    for col in ("model", "cutoff", "in window", "after", "return", "sharpe", "max DD", "trades"):
        table.add_column(col, justify="left" if col in ("model", "cutoff") else "right", no_wrap=True)
    for r in rows:
        post = r.get("post_cutoff") or {}
        m = post.get("metrics") or {}
        table.add_row(
            r["model"],
            r["knowledge_cutoff"],
            str(r.get("training_window_days", 0)),
            str(post.get("days", 0)),
            _pct(m.get("cumulative_return"), 1),
            _num(m.get("sharpe")),
            _unsigned(m.get("max_drawdown"), 1),
            str(m["trades"]) if m else "-",
        )
    out.print(table)


def print_tool_use(out: Console, entries: list[dict[str, Any]]) -> None:
    """A warning per signature with days that never used a tool (no tool call, or the finish signal on step 1)."""
    for r in entries:
        used = r.get("tool_use") or {}
        if used.get("no_tool_use_days"):
            out.print(
                f"[yellow]warning[/yellow]: {r['model']} never used a tool on {used['no_tool_use_days']} of "
                f"{used['days']} day(s) ({used['no_tool_use_share']:.0%}): no tool call, or the finish signal on "
                "step 1 — a broken integration looks like a trader holding cash",
                highlight=False,
                soft_wrap=True,
            )


def print_leaderboard(out: Console, body: dict[str, Any]) -> None:
    """The leaderboard table (also used by `ai-trader run`); wide terminals get every metric, `--json` has all."""
    if not body["leaderboard"]:
        out.print("No committed model-days yet: trigger a job or run `ai-trader run`.")
        return
    wide = out.width >= 120
    cols = (
        ["#", "model", "days", "value", "return"]
        + (["annual"] if wide else [])
        + ["vol", "sharpe"]
        + (["sortino", "calmar"] if wide else [])
        + ["max DD", "win", "trades"]
    )
    table = Table(
        title=f"Leaderboard {body['start_date']} .. {body['end_date']}",
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0) if not wide else (0, 1),
        pad_edge=False,
    )
    for col in cols:
        table.add_column(
            col,
            justify="left" if col == "model" else "right",
            no_wrap=True,
            overflow="ellipsis",
            max_width=(22 if wide else 16) if col == "model" else None,
        )
    rows = [(str(r["rank"]), r["model"], r["days"], r["final_value"], r["metrics"]) for r in body["leaderboard"]]
    bm = body.get("benchmark")
    if bm:
        rows.append(("", f"{bm['symbol']} buy&hold", bm["days"], bm["end_value"], bm))
    for rank, name, days, final, m in rows:
        if not rank:
            table.add_section()
        cells = {
            "#": rank,
            "model": name,
            "days": str(days),
            "value": _num(final, 0),
            "return": _pct(m["cumulative_return"], 1),
            "annual": _pct(m["annualized_return"], 1),
            "vol": _unsigned(m["volatility"]),
            "sharpe": _num(m["sharpe"]),
            "sortino": _num(m["sortino"]),
            "calmar": _num(m["calmar"]),
            "max DD": _unsigned(m["max_drawdown"], 1),
            "win": _unsigned(m["win_rate"], 0),
            "trades": str(m["trades"]),
        }
        table.add_row(*(cells[c] for c in cols))
    out.print(table)
    print_tool_use(out, body["leaderboard"])
    print_cost_sensitivity(out, body)
    print_cutoffs(out, body["leaderboard"])
    print_statistics(out, body)
    print_inference(out, body)


def print_cost_sensitivity(out: Console, body: dict[str, Any]) -> None:
    """Each signature's turnover and cumulative return re-valued at 0, 5, 10, 25 bps per side (approximation:
    the same trades; see ledger/sensitivity.py)."""
    board = [r for r in body["leaderboard"] if r.get("cost_sensitivity")]
    if not board:
        return
    bps = [s["bps_per_side"] for s in board[0]["cost_sensitivity"]]
    table = Table(title="Return at trading costs (same trades, bps per side)", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ["model", "turnover", *(f"{b:g} bps" for b in bps)]:
        table.add_column(col, justify="left" if col == "model" else "right", no_wrap=True)
    for r in board:
        returns = [_pct(s["cumulative_return"], 1) for s in r["cost_sensitivity"]]
        table.add_row(r["model"], f"{r['turnover']:.2f}x", *returns)
    out.print(table)

"""The leaderboard statistics table of `ai-trader performance` / `run` (the rows' `statistics`,
`leaderboard/board.py`): mean return with its 95 % interval, Sharpe, excess over QQQ, P(beat QQQ), tier, DSR."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


def _interval(m: dict[str, Any], pct: bool = True) -> str:
    f = _pct if pct else (lambda x: "-" if x is None else f"{x:.2f}")
    if m.get("ci_low") is None:
        return f(m.get("mean"))
    return f"{f(m['mean'])} [{f(m['ci_low'])}, {f(m['ci_high'])}]"


def print_statistics(out: Console, body: dict[str, Any]) -> None:
    rows = [r for r in body["leaderboard"] if r.get("statistics")]
    if not rows:
        return
    table = Table(title="Statistics (95 % intervals; tier 1 = indistinguishable from the best)", box=box.SIMPLE_HEAD)
    for col in ("model", "runs", "return", "sharpe", "excess/yr vs QQQ", "P(beat)", "tier", "DSR"):
        table.add_column(col, justify="left" if col == "model" else "right", no_wrap=True)
    days_only = False
    for r in rows:
        s = r["statistics"]
        days_only |= s["interval_method"] == "days"
        e = s.get("excess") or {}
        excess = _interval({"mean": e.get("annualized"), **e}) if e else "-"
        table.add_row(
            r["model"],
            str(s["runs"]),
            _interval(s["metrics"]["cumulative_return"]),
            _interval(s["metrics"]["sharpe"], pct=False),
            excess,
            "-" if e.get("p_beat") is None else f"{e['p_beat']:.2f}",
            "-" if s.get("tier") is None else str(s["tier"]),
            "-" if s.get("deflated_sharpe") is None else f"{s['deflated_sharpe']:.2f}",
        )
    out.print(table)
    if days_only:
        out.print("Signatures with one run: their intervals come from the trading days alone (stationary bootstrap).")


def print_inference(out: Console, body: dict[str, Any]) -> None:
    """USD (or "unknown"), USD per trading day, tokens, wall time and excess return over QQQ per dollar."""
    rows = [r for r in body["leaderboard"] if r.get("inference")]
    if not rows:
        return
    table = Table(title="Inference cost", box=box.SIMPLE_HEAD)
    for col in ("model", "USD", "USD/day", "tokens", "wall", "excess per $"):
        table.add_column(col, justify="left" if col == "model" else "right", no_wrap=True)
    for r in rows:
        i = r["inference"]
        usd = "unknown" if i["usd"] is None else f"{i['usd']:.4f}"
        per_day = "-" if i["usd_per_day"] is None else f"{i['usd_per_day']:.4f}"
        per_usd = "-" if i["excess_return_per_usd"] is None else f"{i['excess_return_per_usd'] * 100:.2f}%"
        table.add_row(r["model"], usd, per_day, f"{i['tokens']['total']:,}", f"{i['wall_seconds']:.1f}s", per_usd)
    out.print(table)


def print_dry_run(out: Console, body: dict[str, Any]) -> None:
    """`ai-trader run --dry-run`: the plan per model and run, its estimate and how each estimate was made."""
    table = Table(title="Dry run: nothing was queued", box=box.SIMPLE_HEAD)
    for col in ("model", "run", "days", "first", "last", "tokens", "USD", "wall", "estimated from"):
        table.add_column(col, justify="left" if col in ("model", "estimated from") else "right", no_wrap=True)
    for item in body.get("plan", []):
        e = item["estimate"]
        table.add_row(
            item["model"],
            str(item.get("run", 1)),
            str(item["model_days"]),
            item["first_date"],
            item["last_date"],
            f"{e['prompt_tokens'] + e['completion_tokens']:,}",
            "unknown" if e["usd"] is None else f"{e['usd']:.4f}",
            f"{e['wall_seconds']:.0f}s",
            e["method"],
        )
    out.print(table)
    t = body.get("estimate") or {}
    if t:
        usd = "unknown" if t["usd"] is None else f"${t['usd']:.4f}"
        out.print(
            f"Total: {body['total_model_days']} model-day(s), {t['prompt_tokens'] + t['completion_tokens']:,} tokens,"
            f" {usd}, about {t['wall_seconds']:.0f} s",
            highlight=False,
        )
    for w in body.get("warnings", []):
        out.print(f"[yellow]warning[/yellow]: {w}", highlight=False, soft_wrap=True)

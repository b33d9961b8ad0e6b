"""`ai-trader demo`: the offline main job, the real NASDAQ-100 arena. Imports the packaged data set (when the price
store is empty), writes `CONFIGS_DIR/demo_config.json` if missing, runs the offline competitors (three baselines and
two scripted models) from 2025-06-10 to the last trading day with data (2025-10-30 in the packaged set), and prints
the leaderboard with the QQQ benchmark and where the dashboard is. Re-running is a no-op ("already up to date")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from ..config import load_config
from ..errors import AppError
from ..market.prices import PriceView
from ..service.jobs import JobService
from ..store import Store
from .common import ensure_data, load_settings, print_error
from .envvars import epilog
from .run import execute, print_board

DEMO_START = "2025-06-10"  # the packaged data set's first day after ORLY's 15:1 split (2025-06-10)
DEMO_CONFIG = "demo_config.json"
DEMO_MODELS: tuple[dict[str, Any], ...] = (
    {"signature": "equal-weight", "provider": "baseline", "strategy": "equal_weight"},
    {"signature": "momentum", "provider": "baseline", "strategy": "momentum"},
    {"signature": "cash", "provider": "baseline", "strategy": "cash"},
    {"signature": "scripted-momentum", "provider": "scripted", "script": "momentum_lite"},
    {"signature": "scripted-top3", "provider": "scripted", "script": "buy_and_hold_top3"},
)


def register(app: typer.Typer) -> None:
    app.command("demo", epilog=epilog("demo"))(demo_cmd)


def demo_config(init_date: str, end_date: str) -> dict[str, Any]:
    """The demo competition: offline competitors only (no API key, no network): the three baselines and two
    scripted models (the real LLM session loop against a deterministic chat-completions endpoint)."""
    models = [
        {"name": m["signature"], **m, "enabled": True}
        | ({"basemodel": f"scripted/{m['script']}"} if m["provider"] == "scripted" else {})
        for m in DEMO_MODELS
    ]
    return {
        "agent_type": "BaseAgent",
        "date_range": {"init_date": init_date, "end_date": end_date},
        "models": models,
        "agent_config": {"max_steps": 30, "max_retries": 3, "base_delay": 1.0, "initial_cash": 10000.0},
        "log_config": {"log_path": "./data/agent_data"},
    }


def demo_range(prices: PriceView) -> tuple[str, str]:
    """(init_date, end_date): the trading day before DEMO_START (or before the data's second trading day when the
    store holds other data), and the last trading day with data."""
    days = prices.trading_days()
    if len(days) < 2:
        raise typer.BadParameter("not enough price data for the demo")
    start = DEMO_START if DEMO_START in days[1:] else days[1]
    return days[days.index(start) - 1], days[-1]


def demo_cmd(
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Data directory (env DATA_DIR, default ./data)."),
    configs_dir: Path | None = typer.Option(None, "--configs-dir", help="Configs directory (env CONFIGS_DIR)."),
) -> None:
    """Offline demo: the packaged NASDAQ-100 data, baselines and scripted models, leaderboard with QQQ."""
    settings = load_settings(batch=True, data_dir=data_dir, configs_dir=configs_dir)
    out = Console()
    store = Store(settings.db_path)
    try:
        ensure_data(store, out)
        prices = PriceView.load(store)
        path = settings.configs_dir / DEMO_CONFIG
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(demo_config(*demo_range(prices)), indent=2) + "\n", encoding="utf-8")
            out.print(f"Wrote {path}.")
        cfg = load_config(path)
        request = {"start_date": prices.next_trading_day(cfg.date_range.init_date), "end_date": cfg.date_range.end_date}
        try:
            outcome = JobService(settings, store).trigger_config(cfg, str(path.resolve()), request, caller="demo")
        except AppError as exc:
            print_error(exc)
            raise typer.Exit(2) from None
        failed = execute(settings, store, out, outcome)
        print_board(out, store, [m.signature for m in cfg.enabled()], settings)
    finally:
        store.close()
    out.print(f"Dashboard: run `ai-trader serve`, then open http://localhost:{settings.api_port}/")
    if failed:
        raise typer.Exit(1)

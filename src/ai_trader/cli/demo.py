"""`ai-trader demo`: the offline main job. Imports the packaged price data (when the store has none), writes
`CONFIGS_DIR/demo_config.json` if missing, runs the offline competitors (three baselines and a scripted model) over
the last ~60 trading days of the data, and prints the leaderboard and where the dashboard is. Re-running is a
no-op ("already up to date")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from ..config import load_config
from ..errors import AppError
from ..market.packaged import ensure_price_data
from ..market.prices import PriceView
from ..service.jobs import JobService
from ..store import Store
from .common import load_settings
from .envvars import epilog
from .run import execute, print_board

DEMO_DAYS = 60
DEMO_CONFIG = "demo_config.json"


def register(app: typer.Typer) -> None:
    app.command("demo", epilog=epilog("demo"))(demo_cmd)


def demo_config(init_date: str, end_date: str) -> dict[str, Any]:
    """The demo competition: offline competitors only (no API key, no network)."""
    return {
        "agent_type": "BaseAgent",
        "date_range": {"init_date": init_date, "end_date": end_date},
        "models": [
            {
                "name": "equal-weight",
                "signature": "equal-weight",
                "provider": "baseline",
                "strategy": "equal_weight",
                "enabled": True,
            },
            {
                "name": "momentum",
                "signature": "momentum",
                "provider": "baseline",
                "strategy": "momentum",
                "enabled": True,
            },
            {"name": "cash", "signature": "cash", "provider": "baseline", "strategy": "cash", "enabled": True},
            {
                "name": "scripted-momentum",
                "signature": "scripted-momentum",
                "provider": "scripted",
                "script": "momentum_lite",
                "basemodel": "scripted/momentum_lite",
                "enabled": True,
            },
        ],
        "agent_config": {"max_steps": 30, "max_retries": 3, "base_delay": 1.0, "initial_cash": 10000.0},
        "log_config": {"log_path": "./data/agent_data"},
    }


def demo_range(prices: PriceView, days: int = DEMO_DAYS) -> tuple[str, str]:
    """(init_date, end_date): the trading day before the last `days` trading days, and the last one."""
    all_days = prices.trading_days()
    if len(all_days) < 2:
        raise typer.BadParameter("not enough price data for the demo")
    window = all_days[-(days + 1) :]
    return window[0], window[-1]


def demo_cmd(
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Data directory (env DATA_DIR, default ./data)."),
    configs_dir: Path | None = typer.Option(None, "--configs-dir", help="Configs directory (env CONFIGS_DIR)."),
) -> None:
    """Offline demo: packaged data, baselines and a scripted model, leaderboard."""
    settings = load_settings(batch=True, data_dir=data_dir, configs_dir=configs_dir)
    out = Console()
    store = Store(settings.db_path)
    try:
        report = ensure_price_data(store)
        if report is not None:
            out.print(f"Imported the packaged price data into {settings.db_path}.")
        prices = PriceView.load(store)
        path = settings.configs_dir / DEMO_CONFIG
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(demo_config(*demo_range(prices)), indent=2) + "\n", encoding="utf-8")
            out.print(f"Wrote {path}.")
        cfg = load_config(path)
        request = {"start_date": prices.next_trading_day(cfg.date_range.init_date), "end_date": cfg.date_range.end_date}
        try:
            code, body = JobService(settings, store).trigger_config(cfg, str(path.resolve()), request, caller="demo")
        except AppError as exc:
            Console(stderr=True).print(f"[red]{exc.code}[/red]: {exc.message}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        failed = execute(settings, store, out, code, body)
        print_board(out, store, [m.signature for m in cfg.enabled()], settings)
    finally:
        store.close()
    out.print(f"Dashboard: run `ai-trader serve`, then open http://localhost:{settings.api_port}/")
    if failed:
        raise typer.Exit(1)

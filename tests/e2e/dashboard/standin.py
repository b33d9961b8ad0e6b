"""A stand-in service for the dashboard: api.md-shaped JSON over synthetic but self-consistent data.

N signatures each buy a few synthetic stocks on the first day and hold them; values are cash + shares x close, so
holding weights, /performance metrics (real `compute_metrics`) and the QQQ line (real `PriceView`, dashboard route)
all agree. Used by the stand-in browser test and by bench/dashboard_load.py (100 signatures x 100 days).
"""

from __future__ import annotations

import hmac
import random
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from ai_trader.api import errors
from ai_trader.api.middleware import ApiKey
from ai_trader.dashboard import router as dashboard_router
from ai_trader.ledger.metrics import benchmark_buy_and_hold, compute_metrics
from ai_trader.market.calendar import exchange_sessions
from ai_trader.market.prices import PriceView
from ai_trader.service.runtime import Runtime
from ai_trader.settings import Settings
from ai_trader.store import Store
from ai_trader.store import prices as price_rows

STOCKS = [f"SYN{i:02d}" for i in range(20)]
INITIAL = 10_000.0


@dataclass
class World:
    dates: list[str]
    closes: dict[str, list[float]]
    days: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def build_world(n_signatures: int, n_days: int, seed: int = 7) -> World:
    rnd = random.Random(seed)
    sessions = exchange_sessions("2025-01-02", "2026-12-31")
    dates = sessions[1 : n_days + 1]  # sessions[0] is the entry close for the benchmark
    closes = {}
    for sym in STOCKS + ["QQQ"]:
        p, series = rnd.uniform(50, 500), []
        for _ in range(n_days + 1):
            p = round(p * (1 + rnd.gauss(0.0005, 0.018)), 2)
            series.append(p)
        closes[sym] = series
    world = World(dates=[sessions[0]] + dates, closes=closes)
    for k in range(n_signatures):
        sig = f"model-{k:03d}"
        picks = rnd.sample(STOCKS, rnd.randint(2, 6))
        cash, shares, trades = INITIAL, {}, []
        for i, sym in enumerate(picks):
            price = closes[sym][0]
            amount = int(INITIAL * rnd.uniform(0.05, 0.9 / len(picks)) // price)
            if amount <= 0:
                continue
            shares[sym] = amount
            cash = round(cash - amount * price, 2)
            trades.append(
                {
                    "id": i + 1,
                    "action": "buy",
                    "symbol": sym,
                    "amount": amount,
                    "price": price,
                    "total": round(amount * price, 2),
                }
            )
        out, prev = [], INITIAL
        for t, date in enumerate(dates, start=1):
            value = round(cash + sum(n * closes[s][t] for s, n in shares.items()), 2)
            out.append(
                {
                    "date": date,
                    "positions": {**shares, "CASH": cash},
                    "daily_pnl": {
                        "profit": round(value - prev, 2),
                        "return_pct": round((value / prev - 1) * 100, 4),
                        "portfolio_value": value,
                    },
                    "trades": trades if t == 1 else [],
                    "ai_reasoning": {
                        "total_steps": 3 + t % 5,
                        "stop_signal_received": True,
                        "reasoning_summary": f"{sig} reviewed {len(shares)} holdings on {date} and "
                        + ("bought its basket." if t == 1 else "kept its positions."),
                        "tool_usage": {"get_price_local": 2 + t % 3, "buy": len(trades) if t == 1 else 0},
                    },
                    "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "cost_usd": 0.001},
                    "log_file_path": f"data/agent_data/{sig}/log/{date}/log.jsonl",
                }
            )
            prev = value
        world.days[sig] = out
    return world


def load_prices(world: World, store: Store) -> None:
    rows = [
        price_rows.PriceRow(sym, d, c, c, c, c, 1000, "synthetic")
        for sym, series in world.closes.items()
        for d, c in zip(world.dates, series, strict=True)
    ]
    with store.write() as conn:
        price_rows.register_symbols(conn, world.closes, {"QQQ"})
        price_rows.upsert_bars(conn, rows)


def _strip(day: dict[str, Any], full: bool) -> dict[str, Any]:
    keep = ("date", "positions", "daily_pnl") + (("trades", "ai_reasoning", "usage", "log_file_path") if full else ())
    return {k: day[k] for k in keep}


def create_standin_app(settings: Settings, world: World, *, jobs: list[dict[str, Any]] | None = None) -> FastAPI:
    store = Store(settings.store_url)
    load_prices(world, store)
    prices = PriceView.load(store)
    jobs = jobs if jobs is not None else []

    def auth(request: Request) -> None:
        key = settings.api_key
        if key and not hmac.compare_digest(request.headers.get("x-api-key", "").encode(), key.encode()):
            raise _Unauthorized()

    app = FastAPI()
    app.state.runtime = Runtime(settings, store)  # the dashboard's data routes use the service runtime's prices
    errors.install(app)  # ... and the API's conventions: its error handler and its API key check
    app.add_middleware(ApiKey, api_key=settings.api_key)

    @app.exception_handler(_Unauthorized)
    async def _401(request, exc):
        return JSONResponse({"error": "unauthorized", "message": "missing or invalid X-API-Key"}, status_code=401)

    @app.get("/performance", dependencies=[Depends(auth)])
    def performance() -> JSONResponse:
        board = []
        for i, (sig, days) in enumerate(world.days.items()):
            m = compute_metrics(
                [(d["date"], d["daily_pnl"]["portfolio_value"]) for d in days],
                INITIAL,
                trades=sum(len(d["trades"]) for d in days),
                start_date=world.dates[0],
            )
            board.append(
                {
                    "model": sig,
                    "first_date": days[0]["date"],
                    "last_date": days[-1]["date"],
                    "days": len(days),
                    "final_value": days[-1]["daily_pnl"]["portfolio_value"],
                    "metrics": m.to_dict(),
                    # the first signature never used a tool on 3 days (a broken integration, issue 19 item 4)
                    "tool_use": {
                        "days": len(days),
                        "no_tool_use_days": 3 if i == 0 else 0,
                        "no_tool_use_share": round(3 / len(days), 4) if i == 0 else 0.0,
                    },
                }
            )
        board.sort(key=lambda r: (-r["metrics"]["cumulative_return"], r["model"]))
        for i, r in enumerate(board, 1):
            r["rank"] = i
        bm = benchmark_buy_and_hold(prices, "QQQ", world.dates[1:], INITIAL)
        return JSONResponse(
            {
                "start_date": world.dates[1],
                "end_date": world.dates[-1],
                "leaderboard": board,
                "benchmark": {"symbol": "QQQ", **bm.to_dict()},
                "count": len(board),
            }
        )

    @app.get("/results", dependencies=[Depends(auth)])
    def results(
        date: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        model: str | None = None,
        detail: str = "minimal",
    ):
        sigs = [model] if model else list(world.days)
        full = detail == "full"
        if date:
            found = [{"model": s, **_strip(d, full)} for s in sigs for d in world.days.get(s, []) if d["date"] == date]
            return JSONResponse({"date": date, "results": found}) if found else _no_data(date)
        out = [
            {
                "model": s,
                "days": [_strip(d, full) for d in world.days.get(s, []) if start_date <= d["date"] <= end_date],
                "metrics": {},
            }
            for s in sigs
        ]
        out = [r for r in out if r["days"]]
        body = {"start_date": start_date, "end_date": end_date, "results": out}
        return JSONResponse(body) if out else _no_data(start_date)

    @app.get("/simulate/current", dependencies=[Depends(auth)])
    def current():
        if not jobs:
            return JSONResponse({"error": "not_found", "message": "No simulation jobs found"}, status_code=404)
        return jobs[0]

    @app.get("/simulate/jobs", dependencies=[Depends(auth)])
    def list_jobs(limit: int = 20):
        return {"data": jobs[:limit], "count": len(jobs[:limit])}

    app.include_router(dashboard_router)
    return app


class _Unauthorized(Exception):
    pass


def _no_data(what: str) -> JSONResponse:
    return JSONResponse({"error": "no_data", "message": f"No results for {what}"}, status_code=404)


def sample_job(world: World, signatures: list[str], status: str = "running") -> dict[str, Any]:
    total = len(signatures) * (len(world.dates) - 1)
    done = total // 2 if status == "running" else total
    return {
        "job_id": "0b5f3c1e-1111-4c6e-9d0e-5a1e2f3a4b5c",
        "status": status,
        "date_range": [world.dates[1], world.dates[-1]],
        "models": signatures,
        "progress": {
            "total_model_days": total,
            "completed": done,
            "failed": 0,
            "skipped": 0,
            "pending": total - done - (1 if status == "running" else 0),
            "running": 1 if status == "running" else 0,
            "current": {"date": world.dates[1 + done // max(1, len(signatures))], "model": signatures[0]}
            if status == "running"
            else None,
        },
        "created_at": "2026-01-05T14:00:00.000000Z",
        "started_at": "2026-01-05T14:00:01.000000Z",
        "updated_at": "2026-01-05T14:01:00.000000Z",
        "completed_at": None,
        "total_duration_seconds": None,
        "error": None,
    }

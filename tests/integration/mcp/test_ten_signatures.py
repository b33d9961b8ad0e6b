"""Ten scripted signatures run concurrently through the four real MCP tool servers for 20 trading days of the
shared NASDAQ-100 data, as one real job (JobService.trigger + Worker.drain with tool_transport="mcp").

No cross-signature trade: every signature's committed ledger (snapshots, daily values, every trade) and every
recorded tool result equal those of the same signature run alone, in-process, in a second fresh database. The
signatures start from different seeded states, so a trade landing in the wrong session would show."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
from collections import Counter
from typing import Any

import pytest

from ai_trader.jobs.executor import execute_model_day
from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from ai_trader.store import Store
from ai_trader.tools.context import ToolEnv
from ai_trader.tools.mcp_servers import SESSION_HEADER, EnvSource, build_app
from ai_trader.tools.news_local import LocalNewsProvider
from ai_trader.tools.registry import TOOL_SERVERS
from tests.conftest import NEWS_JSON
from tests.integration.agents.servers import ThreadServer
from tests.integration.ledger.fixtures import Scripted
from tests.integration.scripted_runs import AGENT, ledger_of, recorded_tool_results, run_alone

TODAY = dt.date(2025, 11, 3)
# (signature, script, seed on the first data day: (fee, calls)) — the seeds give every signature its own start
SIGNATURES: list[tuple[str, str, tuple[float, list[tuple[str, dict[str, Any]]]] | None]] = [
    ("mom-fresh", "momentum_lite", None),
    ("mom-nvda", "momentum_lite", (0.0, [("buy", {"symbol": "NVDA", "amount": 12})])),
    ("mom-msft", "momentum_lite", (1.0, [("buy", {"symbol": "MSFT", "amount": 5})])),
    ("mom-aapl", "momentum_lite", (2.0, [("buy", {"symbol": "AAPL", "amount": 20})])),
    ("mom-tsla", "momentum_lite", (0.0, [("buy", {"symbol": "TSLA", "amount": 9}),
                                         ("buy", {"symbol": "AMZN", "amount": 4})])),
    ("mom-cash1", "momentum_lite", (600.0, [("buy", {"symbol": "AAPL", "amount": 1}),
                                            ("sell", {"symbol": "AAPL", "amount": 1})])),
    ("mom-cash2", "momentum_lite", (1700.0, [("buy", {"symbol": "AAPL", "amount": 1}),
                                             ("sell", {"symbol": "AAPL", "amount": 1})])),
    ("mom-cash3", "momentum_lite", (3100.0, [("buy", {"symbol": "AAPL", "amount": 1}),
                                             ("sell", {"symbol": "AAPL", "amount": 1})])),
    ("hold-fresh", "buy_and_hold_top3", None),
    ("hold-cash", "buy_and_hold_top3", (900.0, [("buy", {"symbol": "MSFT", "amount": 1}),
                                                ("sell", {"symbol": "MSFT", "amount": 1})])),
]
N_DAYS = 20


def entry(signature: str, script: str) -> dict[str, Any]:
    return {"signature": signature, "basemodel": f"scripted/{script}", "provider": "scripted", "script": script}


def seed(store: Store, prices, date: str) -> None:
    """Commit each seeded signature's first day with its own fee and orders (in-process, before the job)."""
    async def all_seeds() -> None:
        for signature, _, spec in SIGNATURES:
            if spec is not None:
                fee, calls = spec
                await execute_model_day(ToolEnv(store, prices, None, fee), job_id=None, signature=signature,
                                        date=date, competitor=Scripted(calls), initial_cash=AGENT["initial_cash"],
                                        timeout_s=30)

    asyncio.run(all_seeds())


class SessionCounter:
    """ASGI wrapper counting the distinct session tokens that reached one MCP server."""

    def __init__(self, app):
        self.app, self.tokens = app, Counter()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            if SESSION_HEADER.lower() in headers:
                self.tokens[headers[SESSION_HEADER.lower()]] += 1
        await self.app(scope, receive, send)


@pytest.fixture
def news():
    return LocalNewsProvider(NEWS_JSON) if NEWS_JSON.exists() else None


@pytest.fixture
def mcp_servers(settings, market_store, news):
    """The four servers on free loopback ports, with their own Store over the test's database file (as the
    separate `ai-trader mcp` processes have)."""
    server_store = Store(settings.db_path)
    source = EnvSource(server_store, news=news)
    apps = {name: SessionCounter(build_app(name, source)) for name in TOOL_SERVERS}
    servers = {name: ThreadServer(app) for name, app in apps.items()}
    for s in servers.values():
        s.__enter__()
    yield apps, {name: s.port for name, s in servers.items()}
    for s in servers.values():
        s.__exit__(None, None, None)
    server_store.close()


def test_ten_signatures_over_mcp_for_twenty_days_never_cross(settings, market_store, market_db, prices, news,
                                                             mcp_servers, tmp_path):
    apps, ports = mcp_servers
    days = prices.trading_days()[:N_DAYS + 1]
    seed_day, job_days = days[0], days[1:]
    seed(market_store, prices, seed_day)

    mcp_settings = settings.model_copy(update={
        "tool_transport": "mcp", "mcp_host": "127.0.0.1", "math_http_port": ports["math"],
        "search_http_port": ports["search"], "trade_http_port": ports["trade"], "getprice_http_port": ports["price"],
        "news_file": NEWS_JSON if news is not None else None, "model_day_timeout_seconds": 60.0,
    })
    (settings.configs_dir / "ten.json").write_text(json.dumps({
        "date_range": {"init_date": seed_day, "end_date": job_days[-1]},
        "models": [entry(sig, script) for sig, script, _ in SIGNATURES],
        "agent_config": AGENT,
    }))
    service = JobService(mcp_settings, market_store, today=lambda: TODAY)
    code, body = service.trigger({"config_path": "ten.json", "start_date": job_days[0], "end_date": job_days[-1]})
    assert code == 202 and body["total_model_days"] == len(SIGNATURES) * N_DAYS

    Worker(mcp_settings, market_store).drain()

    status = service.status(body["job_id"])
    assert status["status"] == "completed", [d for d in status["progress"]["details"] if d["status"] != "completed"]
    assert status["progress"]["completed"] == len(SIGNATURES) * N_DAYS
    with market_store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM live_sessions").fetchone()[0] == 0

    # The reference: each signature alone, in-process, in a second fresh database with the same seeds.
    ref_path = tmp_path / "reference.db"
    shutil.copyfile(market_db, ref_path)
    ref = Store(ref_path)
    try:
        seed(ref, prices, seed_day)
        ref_env = ToolEnv(ref, prices, news)
        for sig, script, _ in SIGNATURES:
            run_alone(ref_env, settings, entry(sig, script), job_days)
        mcp_ledgers = {sig: ledger_of(market_store, sig) for sig, _, _ in SIGNATURES}
        for sig, _, _ in SIGNATURES:
            assert [d["date"] for d in mcp_ledgers[sig]] == ([seed_day] if sig != "mom-fresh"
                                                             and sig != "hold-fresh" else []) + job_days
            assert mcp_ledgers[sig] == ledger_of(ref, sig), f"{sig}: MCP job differs from the run alone"
            assert recorded_tool_results(market_store, sig) == recorded_tool_results(ref, sig), sig
    finally:
        ref.close()

    # The runs really differ from one another and really trade: a trade in the wrong session would have shown.
    trades = {sig: [t for d in led if d["date"] in job_days for t in d["trades"]] for sig, led in mcp_ledgers.items()}
    momentum = [sig for sig, script, _ in SIGNATURES if script == "momentum_lite"]
    assert all(len(trades[sig]) >= N_DAYS // 2 for sig in momentum), {s: len(trades[s]) for s in momentum}
    assert all(len(trades[sig]) == 3 for sig in ("hold-fresh", "hold-cash"))
    assert len({json.dumps(trades[sig]) for sig in trades}) == len(SIGNATURES)

    # ... and they went through the MCP servers: one distinct session token per model-day that used a server.
    used = Counter()
    for sig, _, _ in SIGNATURES:
        for date, results in recorded_tool_results(market_store, sig).items():
            if date in job_days:
                for server in {next(s for s, tools in TOOL_SERVERS.items() if name in tools)
                               for name, _, _ in results}:
                    used[server] += 1
    assert used["price"] == len(momentum) * N_DAYS + 2 and used["trade"] > 0
    assert {name: len(app.tokens) for name, app in apps.items()} == {name: used[name] for name in TOOL_SERVERS}

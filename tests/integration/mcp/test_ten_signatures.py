"""Ten scripted signatures run concurrently through the four real MCP tool servers for 20 trading days of the
packaged NASDAQ-100 data, as one real job (JobService.trigger + Worker.drain with tool_transport="mcp").

No cross-signature trade: every signature's committed ledger (snapshots, daily values, every trade) and every
recorded tool result equal those of the same signature run alone, in-process, in a second fresh database. The
signatures start from different seeded states, so a trade landing in the wrong session would show."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from typing import Any

import pytest

from ai_trader.jobs.executor import execute_model_day
from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from ai_trader.store import Store
from ai_trader.tools.context import ToolEnv
from ai_trader.tools.news_local import LocalNewsProvider
from ai_trader.tools.registry import TOOL_SERVERS
from tests.conftest import NEWS_JSON
from tests.integration.ledger.fixtures import Scripted
from tests.integration.mcp.test_cli_servers import free_ports, wait_for
from tests.integration.scripted_runs import (
    AGENT,
    ledger_of,
    recorded_tool_results,
    run_alone,
)
from tests.support.jobs import trigger

TODAY = dt.date(2025, 11, 3)
# (signature, script, seed on the first data day: (fee, calls)) — the seeds give every signature its own start
SIGNATURES: list[tuple[str, str, tuple[float, list[tuple[str, dict[str, Any]]]] | None]] = [
    ("mom-fresh", "momentum_lite", None),
    ("mom-nvda", "momentum_lite", (0.0, [("buy", {"symbol": "NVDA", "amount": 12})])),
    ("mom-msft", "momentum_lite", (1.0, [("buy", {"symbol": "MSFT", "amount": 5})])),
    ("mom-aapl", "momentum_lite", (2.0, [("buy", {"symbol": "AAPL", "amount": 20})])),
    (
        "mom-tsla",
        "momentum_lite",
        (0.0, [("buy", {"symbol": "TSLA", "amount": 9}), ("buy", {"symbol": "AMZN", "amount": 4})]),
    ),
    (
        "mom-cash1",
        "momentum_lite",
        (600.0, [("buy", {"symbol": "AAPL", "amount": 1}), ("sell", {"symbol": "AAPL", "amount": 1})]),
    ),
    (
        "mom-cash2",
        "momentum_lite",
        (1700.0, [("buy", {"symbol": "AAPL", "amount": 1}), ("sell", {"symbol": "AAPL", "amount": 1})]),
    ),
    ("hold-fresh", "buy_and_hold_top3", None),
    (
        "hold-cash1",
        "buy_and_hold_top3",
        (900.0, [("buy", {"symbol": "MSFT", "amount": 1}), ("sell", {"symbol": "MSFT", "amount": 1})]),
    ),
    (
        "hold-cash2",
        "buy_and_hold_top3",
        (2500.0, [("buy", {"symbol": "MSFT", "amount": 1}), ("sell", {"symbol": "MSFT", "amount": 1})]),
    ),
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
                await execute_model_day(
                    ToolEnv(store, prices, None, fee),
                    job_id=None,
                    signature=signature,
                    date=date,
                    competitor=Scripted(calls),
                    initial_cash=AGENT["initial_cash"],
                    timeout_s=30,
                )

    asyncio.run(all_seeds())


@pytest.fixture
def news():
    return LocalNewsProvider(NEWS_JSON)


@pytest.fixture
def mcp_process(settings, market_store, news, tmp_path):
    """The four servers in another process (`ai-trader mcp`), on free loopback ports, over the test's database
    file. Only that process has the news file (the worker's own settings have no news provider). Yields the ports
    and `ready()`, which waits until they listen (the process starts while the test seeds and triggers)."""
    ports = dict(zip(TOOL_SERVERS, free_ports(len(TOOL_SERVERS)), strict=True))
    env = {**os.environ, "NEWS_PROVIDER": "local", "NEWS_FILE": str(NEWS_JSON), "LOG_LEVEL": "WARNING"}
    args = [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    with open(tmp_path / "mcp.log", "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from ai_trader.cli import main; main()",
                "mcp",
                "--host",
                "127.0.0.1",
                *args,
                "--data-dir",
                str(settings.data_dir),
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )

    def ready() -> None:
        for port in ports.values():
            wait_for(port, proc, timeout=60)

    try:
        yield ports, ready
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_ten_signatures_over_mcp_for_twenty_days_never_cross(
    settings, market_store, market_db, prices, news, mcp_process, tmp_path
):
    days = prices.trading_days()[-(N_DAYS + 1) :]  # the data's last weeks: the news sample covers them
    seed_day, job_days = days[0], days[1:]
    seed(market_store, prices, seed_day)

    ports, ready = mcp_process
    mcp_settings = settings.model_copy(
        update={
            "tool_transport": "mcp",
            "mcp_host": "127.0.0.1",
            "math_http_port": ports["math"],
            "search_http_port": ports["search"],
            "trade_http_port": ports["trade"],
            "getprice_http_port": ports["price"],
            "news_provider": "none",
            "model_day_timeout_seconds": 60.0,
        }
    )
    (settings.configs_dir / "ten.json").write_text(
        json.dumps(
            {
                "date_range": {"init_date": seed_day, "end_date": job_days[-1]},
                "models": [entry(sig, script) for sig, script, _ in SIGNATURES],
                "agent_config": AGENT,
            }
        )
    )
    service = JobService(mcp_settings, market_store, today=lambda: TODAY)
    code, body = trigger(service, {"config_path": "ten.json", "start_date": job_days[0], "end_date": job_days[-1]})
    assert code == 202 and body["total_model_days"] == len(SIGNATURES) * N_DAYS

    ready()
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
        for sig, _, spec in SIGNATURES:
            assert [d["date"] for d in mcp_ledgers[sig]] == ([] if spec is None else [seed_day]) + job_days
            assert mcp_ledgers[sig] == ledger_of(ref, sig), f"{sig}: MCP job differs from the run alone"
            assert recorded_tool_results(market_store, sig) == recorded_tool_results(ref, sig), sig
    finally:
        ref.close()

    # The runs really differ from one another and really trade: a trade in the wrong session would have shown.
    trades = {sig: [t for d in led if d["date"] in job_days for t in d["trades"]] for sig, led in mcp_ledgers.items()}
    momentum = [sig for sig, script, _ in SIGNATURES if script == "momentum_lite"]
    assert all(len(trades[sig]) >= N_DAYS // 2 for sig in momentum), {s: len(trades[s]) for s in momentum}
    assert all(len(trades[sig]) == 3 for sig, script, _ in SIGNATURES if script == "buy_and_hold_top3")
    assert len({json.dumps(trades[sig]) for sig in trades}) == len(SIGNATURES)

    # ... and the tools ran in the MCP server processes: only they can find news (the worker has no provider).
    news_results = [
        r
        for sig, _, _ in SIGNATURES
        for results in recorded_tool_results(market_store, sig).values()
        for name, _, r in results
        if name == "get_information"
    ]
    assert len(news_results) == len(momentum) * N_DAYS
    assert sum(isinstance(r, str) and not r.startswith("No news") for r in news_results) >= N_DAYS

"""Invariant 5 with a real process kill: SIGKILL a process in the middle of a model-day, then restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap

from ai_trader.jobs.executor import execute_model_day
from ai_trader.store import ledger as ledger_store
from tests.integration.ledger.fixtures import Scripted

CHILD = textwrap.dedent("""
    import asyncio, sys
    from ai_trader.agents.base import SessionResult
    from ai_trader.jobs.executor import execute_model_day
    from ai_trader.market.prices import PriceView
    from ai_trader.store import Store
    from ai_trader.tools.context import ToolEnv

    class TradeThenHang:
        provider = "test"
        async def run_day(self, brief, tools):
            print(await tools.call("buy", {"symbol": "AAPL", "amount": 5}), flush=True)
            print(await tools.call("sell", {"symbol": "MSFT", "amount": 1}), flush=True)
            print("TRADED", flush=True)
            await asyncio.sleep(60)
            return SessionResult(provider="test")

    store = Store(sys.argv[1])
    env = ToolEnv(store=store, prices=PriceView.load(store))
    asyncio.run(execute_model_day(env, job_id="crashing", signature="sig", date="2025-07-03",
                                  competitor=TradeThenHang(), initial_cash=10000.0, timeout_s=120))
""")


def test_killed_mid_day_leaves_committed_days_intact_and_no_half_day(env, settings):
    asyncio.run(
        execute_model_day(
            env,
            job_id="j",
            signature="sig",
            date="2025-07-02",
            competitor=Scripted([("buy", {"symbol": "MSFT", "amount": 2})]),
            initial_cash=10000.0,
            timeout_s=10,
        )
    )
    with env.store.read() as conn:
        before = ledger_store.model_day(conn, "sig", "2025-07-02")
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.db_path)], stdout=subprocess.PIPE, text=True)
    try:
        out = [child.stdout.readline() for _ in range(3)]
        assert out[-1].strip() == "TRADED", out
        assert "'AAPL': 5" in out[0] and "'MSFT': 1" in out[1]
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    with env.store.read() as conn:
        assert ledger_store.model_day(conn, "sig", "2025-07-02") == before
        assert ledger_store.model_day(conn, "sig", "2025-07-03") is None
        assert conn.execute("SELECT COUNT(*) FROM trades WHERE date = '2025-07-03'").fetchone()[0] == 0
        stale = conn.execute("SELECT COUNT(*) FROM live_sessions").fetchone()[0]
    assert stale == 1  # only the intraday book is left, never ledger truth
    again = Scripted()
    out = asyncio.run(
        execute_model_day(
            env, job_id="j2", signature="sig", date="2025-07-03", competitor=again, initial_cash=10000.0, timeout_s=10
        )
    )
    assert again.briefs[0].positions == {"MSFT": 2} and again.briefs[0].cash == before.cash
    assert out.positions == {"MSFT": 2}
    assert env.store.conn().execute("SELECT COUNT(*) FROM live_sessions").fetchone()[0] == 0

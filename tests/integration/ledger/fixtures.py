"""Fixtures shared by the ledger and tools integration tests: the real NASDAQ-100 file imported once into a
template database (copied per test), a point-in-time PriceView, and helpers to open a live session."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ai_trader.agents.base import DayBrief, SessionResult
from ai_trader.market.prices import PriceView
from ai_trader.store import Store
from ai_trader.store import sessions as session_store
from ai_trader.tools.context import ToolContext, ToolEnv
from ai_trader.tools.news_local import LocalNewsProvider
from tests.conftest import NEWS_JSON
from tests.support.engines import seed_store


@pytest.fixture(scope="session")
def market_db(nasdaq_db_template) -> Path:
    return nasdaq_db_template


@pytest.fixture(scope="session")
def prices(market_db) -> PriceView:
    s = Store(market_db)
    try:
        return PriceView.load(s)
    finally:
        s.close()


@pytest.fixture
def market_store(settings, market_db):
    seed_store(settings, market_db)
    s = Store(settings.store_url)
    yield s
    s.close()


@pytest.fixture
def env(market_store, prices) -> ToolEnv:
    news = LocalNewsProvider(NEWS_JSON)
    return ToolEnv(store=market_store, prices=prices, news=news)


def open_session(
    env: ToolEnv,
    signature: str,
    date: str,
    cash: float = 10000.0,
    positions=None,
    token: str | None = None,
    job_id: str | None = "job-1",
) -> ToolContext:
    token = token or f"tok-{signature}-{date}"
    with env.store.write() as conn:
        session_store.open_live_session(
            conn, token=token, job_id=job_id, signature=signature, date=date, cash=cash, positions=positions or {}
        )
    return ToolContext(signature=signature, date=date, token=token, job_id=job_id)


class Scripted:
    """Plays a fixed list of tool calls, records the brief, then optionally fails or hangs."""

    provider = "test"

    def __init__(self, calls=(), fail: Exception | None = None, hang: bool = False):
        self.calls, self.fail, self.hang, self.briefs, self.results = list(calls), fail, hang, [], []

    async def run_day(self, brief: DayBrief, tools) -> SessionResult:
        self.briefs.append(brief)
        for name, args in self.calls:
            self.results.append(await tools.call(name, args))
        if self.fail:
            raise self.fail
        if self.hang:
            await asyncio.sleep(30)
        return SessionResult(
            provider="test",
            basemodel="t/1",
            total_steps=len(self.calls),
            stop_signal_received=True,
            reasoning_summary="scripted",
            tool_usage={"buy": len(self.calls)},
            messages=[{"role": "user", "content": "go"}, {"role": "assistant", "content": "done"}],
        )

"""The four MCP tool servers (real mcp SDK, streamable HTTP on loopback) and the McpToolbox: same ledgers as the
in-process toolbox, sessions isolated by token, unknown tokens and unreachable servers refused clearly."""

from __future__ import annotations

import asyncio

import pytest

from ai_trader.agents.base import SessionResult
from ai_trader.agents.factory import build_competitor
from ai_trader.agents.mcp_toolbox import McpToolbox, McpUnavailable
from ai_trader.config import AgentConfig, ModelConfig
from ai_trader.errors import ModelDayFailed
from ai_trader.tools.mcp_servers import EnvSource, build_app
from ai_trader.tools.registry import TOOL_SERVERS
from tests.integration.agents.helpers import DAY, ledger, live_sessions, run_day, tool_results
from tests.integration.ledger.fixtures import open_session
from tests.support.servers import ThreadServer, free_port

DAYS = ["2025-06-02", "2025-06-03", "2025-06-04", "2025-06-05"]


@pytest.fixture
def mcp_urls(env):
    """The four servers on free ports, over the test's database."""
    source = EnvSource(env.store, news=env.news)
    servers = [ThreadServer(build_app(name, source)) for name in TOOL_SERVERS]
    for s in servers:
        s.__enter__()
    yield {name: f"{s.base}/mcp" for name, s in zip(TOOL_SERVERS, servers, strict=True)}
    for s in servers:
        s.__exit__(None, None, None)


def scripted(settings, store, script: str, signature: str, latency_ms: float = 0.0):
    model = ModelConfig(signature=signature, provider="scripted", script=script, latency_ms=latency_ms)
    return build_competitor(model, AgentConfig(max_steps=6, base_delay=0.001), settings, store)


def via_mcp(urls):
    return lambda ctx: McpToolbox(urls, ctx.token)


def strip(rows):
    return [dict(r) for r in rows]


@pytest.mark.parametrize("script", ["momentum_lite", "garbage"])
def test_same_days_through_in_process_and_mcp_give_identical_ledgers(env, settings, mcp_urls, script):
    inproc, over_mcp = [], []
    for day in DAYS:
        inproc.append(run_day(env, scripted(settings, env.store, script, "inproc"), signature="inproc", date=day))
        over_mcp.append(
            run_day(
                env,
                scripted(settings, env.store, script, "viamcp"),
                signature="viamcp",
                date=day,
                toolbox_factory=via_mcp(mcp_urls),
            )
        )
    assert ledger(env, "inproc") == ledger(env, "viamcp")
    assert [tool_results(o.session) for o in inproc] == [tool_results(o.session) for o in over_mcp]
    if script == "momentum_lite":
        assert sum(o.trades for o in over_mcp) > 0
    else:
        assert all(o.trades == 0 for o in over_mcp)


def test_concurrent_sessions_over_mcp_never_cross(env, mcp_urls, prices):
    a = open_session(env, "alice", DAY, token="token-alice")
    b = open_session(env, "bob", DAY, cash=5000.0, token="token-bob")

    async def session(ctx, symbol):
        async with McpToolbox(mcp_urls, ctx.token) as tools:
            results = []
            for _ in range(3):
                results.append(await tools.call("buy", {"symbol": symbol, "amount": 1}))
                await asyncio.sleep(0)
            return results

    async def both():
        return await asyncio.gather(session(a, "AAPL"), session(b, "MSFT"))

    ra, rb = asyncio.run(both())
    assert ra[-1]["AAPL"] == 3 and "MSFT" not in ra[-1]
    assert rb[-1]["MSFT"] == 3 and "AAPL" not in rb[-1]
    assert rb[-1]["CASH"] == pytest.approx(round(5000.0 - 3 * prices.open("MSFT", DAY), 2))
    with env.store.read() as conn:
        rows = {r[0]: r[1] for r in conn.execute("SELECT token, positions FROM live_sessions")}
    assert rows == {"token-alice": '{"AAPL":3}', "token-bob": '{"MSFT":3}'}


def test_two_scripted_model_days_at_once_over_mcp_match_their_solo_runs(env, settings, mcp_urls):
    async def run(sig, script):
        from ai_trader.jobs.executor import execute_model_day

        comp = scripted(settings, env.store, script, sig, latency_ms=20)
        return await execute_model_day(
            env,
            job_id="j",
            signature=sig,
            date=DAY,
            competitor=comp,
            initial_cash=10_000.0,
            timeout_s=30,
            toolbox_factory=via_mcp(mcp_urls),
        )

    async def both():
        return await asyncio.gather(run("m1", "buy_and_hold_top3"), run("m2", "momentum_lite"))

    asyncio.run(both())
    run_day(env, scripted(settings, env.store, "buy_and_hold_top3", "solo1"), signature="solo1")
    run_day(env, scripted(settings, env.store, "momentum_lite", "solo2"), signature="solo2")
    assert ledger(env, "m1") == ledger(env, "solo1") and ledger(env, "m1")[0]["trades"]
    assert ledger(env, "m2") == ledger(env, "solo2")


def test_unknown_or_missing_token_is_refused_and_changes_nothing(env, mcp_urls):
    open_session(env, "carol", DAY, token="token-carol")

    async def calls():
        async with McpToolbox(mcp_urls, "not-a-session") as tools:
            return [
                await tools.call("buy", {"symbol": "AAPL", "amount": 1}),
                await tools.call("get_price_local", {"symbol": "AAPL", "date": "2025-06-02"}),
                await tools.call("add", {"a": 1, "b": 2}),
            ]

    results = asyncio.run(calls())
    assert all("unknown or expired" in r["error"] for r in results)
    with env.store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM staged_trades").fetchone()[0] == 0


def test_tool_results_decode_to_the_in_process_values(env, mcp_urls):
    ctx = open_session(env, "dave", DAY, token="token-dave")

    async def calls():
        async with McpToolbox(mcp_urls, ctx.token) as tools:
            return (
                await tools.call("add", {"a": 1.5, "b": 2}),
                await tools.call("multiply", {"a": 3, "b": 4}),
                await tools.call("get_information", {"query": "AAPL"}),
                await tools.call("get_price_local", {"symbol": "AAPL", "date": DAY}),
                await tools.call("sell", {"symbol": "AAPL", "amount": 1}),
                await tools.call("nope", {}),
            )

    add, mul, news, bar, sell, unknown = asyncio.run(calls())
    assert add == 3.5 and mul == 12
    assert isinstance(news, str)
    assert bar["close"] is None and bar["open"] > 0
    assert "error" in sell and "error" in unknown and "unknown tool" in unknown["error"]


def test_unreachable_mcp_server_fails_the_model_day_clearly(env, settings):
    dead = f"http://127.0.0.1:{free_port()}/mcp"
    urls = dict.fromkeys(TOOL_SERVERS, dead)

    class OneCall:
        provider = "test"

        async def run_day(self, brief, tools):
            await tools.call("get_price_local", {"symbol": "AAPL", "date": brief.date})
            return SessionResult(provider="test")

    with pytest.raises(ModelDayFailed, match="unreachable"):
        run_day(env, OneCall(), toolbox_factory=lambda ctx: McpToolbox(urls, ctx.token, timeout_s=5))
    assert ledger(env, "llm") == [] and live_sessions(env) == 0


def test_toolbox_needs_every_server_url():
    with pytest.raises(ValueError, match="missing: trade"):
        McpToolbox({"math": "x", "search": "x", "price": "x"}, "t")


def test_unreachable_error_type():
    async def go():
        tools = McpToolbox(dict.fromkeys(TOOL_SERVERS, "http://127.0.0.1:9/mcp"), "t", timeout_s=2)
        try:
            await tools.call("add", {"a": 1, "b": 1})
        finally:
            await tools.aclose()

    with pytest.raises(McpUnavailable):
        asyncio.run(go())

"""`ai-trader mcp` and `ai-trader scripted-llm` as real processes: a session opened in this process is resolved by
the MCP servers in another one; the scripted model served over loopback plays the same day as in-process."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from ai_trader.agents.factory import build_competitor
from ai_trader.agents.llm import LlmAgent, LlmEndpoint, LoopLimits
from ai_trader.agents.mcp_toolbox import McpToolbox
from ai_trader.config import AgentConfig, ModelConfig
from tests.integration.agents.helpers import DAY, ledger, run_day
from tests.integration.ledger.fixtures import open_session
from tests.support.servers import free_ports
from tests.support.servers import wait_for_port as wait_for


def cli(*args: str) -> subprocess.Popen:
    """The command as a child process; use it as a context manager (closes its stderr pipe and waits on exit)."""
    return subprocess.Popen(
        [sys.executable, "-c", "from ai_trader.cli import main; main()", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def mcp_process(settings, market_store):
    ports = free_ports(4)
    with cli(
        "mcp",
        "--host",
        "127.0.0.1",
        "--math-port",
        str(ports[0]),
        "--search-port",
        str(ports[1]),
        "--trade-port",
        str(ports[2]),
        "--price-port",
        str(ports[3]),
        "--data-dir",
        str(settings.data_dir),
    ) as proc:
        try:
            for p in ports:
                wait_for(p, proc)
            yield dict(
                zip(("math", "search", "trade", "price"), (f"http://127.0.0.1:{p}/mcp" for p in ports), strict=True)
            )
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_mcp_command_resolves_sessions_opened_by_another_process(env, mcp_process, prices):
    ctx = open_session(env, "remote", DAY, token="token-remote")

    async def calls():
        async with McpToolbox(mcp_process, ctx.token) as tools:
            return await tools.call("buy", {"symbol": "NVDA", "amount": 2})

    positions = asyncio.run(calls())
    assert positions["NVDA"] == 2
    assert positions["CASH"] == pytest.approx(round(10_000 - 2 * prices.open("NVDA", DAY), 2))
    with env.store.read() as conn:
        assert (
            conn.execute("SELECT positions FROM live_sessions WHERE token='token-remote'").fetchone()[0] == '{"NVDA":2}'
        )


def test_scripted_llm_command_over_loopback_plays_the_same_day_as_in_process(env, settings):
    [port] = free_ports(1)
    with cli("scripted-llm", "--port", str(port)) as proc:
        try:
            wait_for(port, proc)
            endpoint = LlmEndpoint(basemodel="momentum_lite", base_url=f"http://127.0.0.1:{port}/v1", api_key="x")
            run_day(env, LlmAgent(endpoint, LoopLimits(max_steps=6, base_delay=0.01)), signature="loopback")
        finally:
            proc.terminate()
    inproc = build_competitor(
        ModelConfig(signature="inproc", provider="scripted", script="momentum_lite"),
        AgentConfig(max_steps=6),
        settings,
        env.store,
    )
    run_day(env, inproc, signature="inproc")
    assert ledger(env, "loopback") == ledger(env, "inproc")
    assert ledger(env, "inproc")[0]["trades"]

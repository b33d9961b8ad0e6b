"""Tool round-trip per call: the in-process toolbox vs the MCP tool servers over loopback (streamable HTTP, real
`mcp` SDK), for get_price_local, add and buy, against one live trading session.

The MCP servers run as `ai-trader mcp` in a subprocess (as `ai-trader serve` deploys them); the client is
`McpToolbox` (one MCP session per server, opened on the first call — that connect is timed separately).

    python bench/tool_roundtrip.py [--calls 300] [--warmup 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import free_port, fresh_root, pct, settings_for, trading_days, write_result

from ai_trader.agents.mcp_toolbox import McpToolbox
from ai_trader.agents.toolbox import InProcessToolbox
from ai_trader.market.prices import PriceView
from ai_trader.store import Store
from ai_trader.store import sessions as session_store
from ai_trader.tools.context import ToolContext, ToolEnv

BIN = Path(sys.executable).parent / "ai-trader"
SERVERS = ("math", "search", "trade", "price")


def calls_for(date: str) -> dict[str, dict]:
    return {
        "get_price_local": {"symbol": "AAPL", "date": date},
        "add": {"a": 1.5, "b": 2.25},
        "buy": {"symbol": "AAPL", "amount": 1},
    }


async def measure(tools, date: str, n: int, warmup: int) -> dict[str, dict]:
    out = {}
    for name, arguments in calls_for(date).items():
        t0 = time.perf_counter()
        first = await tools.call(name, arguments)
        first_ms = (time.perf_counter() - t0) * 1000
        if isinstance(first, dict) and "error" in first:
            raise SystemExit(f"{name} refused: {first}")
        for _ in range(warmup):
            await tools.call(name, arguments)
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            await tools.call(name, arguments)
            samples.append((time.perf_counter() - t0) * 1000)
        out[name] = {
            "first_call_ms": round(first_ms, 3),
            "calls": n,
            "mean_ms": round(statistics.fmean(samples), 4),
            "p50_ms": round(pct(samples, 0.5), 4),
            "p99_ms": round(pct(samples, 0.99), 4),
            "max_ms": round(max(samples), 3),
        }
    return out


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"ai-trader mcp exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"MCP server on port {port} did not start")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=20)
    args = ap.parse_args()
    root = fresh_root("tools")
    settings = settings_for(root)
    store = Store(settings.db_path)
    date = trading_days(store)[1]
    sessions = {}
    with store.write() as conn:  # enough cash for every buy of both runs
        for kind in ("inprocess", "mcp"):
            sessions[kind] = ToolContext(f"bench-{kind}", date, f"token-{kind}", None)
            session_store.open_live_session(
                conn, token=f"token-{kind}", job_id=None, signature=f"bench-{kind}", date=date, cash=1e9, positions={}
            )
    env = ToolEnv(store, PriceView.load(store), None, 0.0)
    inproc = asyncio.run(measure(InProcessToolbox(env, sessions["inprocess"]), date, args.calls, args.warmup))

    ports = {s: free_port() for s in SERVERS}
    cmd = [
        str(BIN),
        "mcp",
        "--host",
        "127.0.0.1",
        "--data-dir",
        str(settings.data_dir),
        "--math-port",
        str(ports["math"]),
        "--search-port",
        str(ports["search"]),
        "--trade-port",
        str(ports["trade"]),
        "--price-port",
        str(ports["price"]),
    ]
    env_vars = {**os.environ, "NEWS_PROVIDER": "none", "LOG_LEVEL": "WARNING"}
    with open(root / "mcp.log", "ab") as log:
        proc = subprocess.Popen(cmd, env=env_vars, stdout=log, stderr=subprocess.STDOUT)
        try:
            for p in ports.values():
                wait_port(p, proc)

            async def over_mcp():
                async with McpToolbox(
                    {s: f"http://127.0.0.1:{p}/mcp" for s, p in ports.items()}, sessions["mcp"].token
                ) as tools:
                    return await measure(tools, date, args.calls, args.warmup)

            mcp = asyncio.run(over_mcp())
        finally:
            proc.terminate()
            proc.wait(15)
    store.close()
    rows = {}
    for name in inproc:
        rows[name] = {
            "inprocess": inproc[name],
            "mcp": mcp[name],
            "mcp_over_inprocess_p50": round(mcp[name]["p50_ms"] / inproc[name]["p50_ms"], 1),
        }
        print(
            f"{name:16} in-process mean {inproc[name]['mean_ms']:7.3f} p50 {inproc[name]['p50_ms']:7.3f} "
            f"p99 {inproc[name]['p99_ms']:7.3f} ms | MCP mean {mcp[name]['mean_ms']:7.3f} "
            f"p50 {mcp[name]['p50_ms']:7.3f} p99 {mcp[name]['p99_ms']:7.3f} ms "
            f"(first call incl. connect {mcp[name]['first_call_ms']:.1f} ms)"
        )
    path = write_result("tool_roundtrip", {"params": vars(args), "tools": rows})
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

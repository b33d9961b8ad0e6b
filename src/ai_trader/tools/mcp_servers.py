"""The four MCP tool servers (official `mcp` SDK, streamable HTTP at `/mcp`): thin adapters over
`tools.registry.call_tool`.

| server | tools                | default port (Settings) |
|--------|----------------------|-------------------------|
| math   | add, multiply        | math_http_port 8000     |
| search | get_information      | search_http_port 8001   |
| trade  | buy, sell            | trade_http_port 8002    |
| price  | get_price_local      | getprice_http_port 8003 |

Session context is never a tool argument: every request carries the header `X-AI-Trader-Session: <token>`, which
the server resolves through `live_sessions` (store/ledger.py) to a `ToolContext` on each call. An unknown or
expired token gets a tool error; two sessions never share anything but the database.

Results go out as one text block holding the JSON of the tool's return value (refusals: `{"error": ...}`, flagged
`isError`), so a client decoding the JSON gets exactly what the in-process toolbox returns. Argument checking is
the registry's (the same messages in-process and over MCP), not the SDK's.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult, TextContent
from mcp_types import Tool as MCPTool
from starlette.applications import Starlette

from ..market.view_cache import PriceViewCache
from ..store import Store
from ..store import sessions as session_store
from .context import NewsProvider, ToolContext, ToolEnv
from .registry import SPECS_BY_NAME, TOOL_SERVERS, call_tool

log = logging.getLogger(__name__)
SESSION_HEADER = "X-AI-Trader-Session"
PORT_SETTINGS = {
    "math": "math_http_port",
    "search": "search_http_port",
    "trade": "trade_http_port",
    "price": "getprice_http_port",
}


@dataclass
class EnvSource:
    """What the servers' tools run against: the price view of the process's `PriceViewCache` (reloaded when the
    price store changed, e.g. prices imported after start)."""

    store: Store
    news: NewsProvider | None = None
    trade_fee: float = 0.0
    prices: PriceViewCache = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.prices = PriceViewCache(self.store)

    def env(self) -> ToolEnv:
        return ToolEnv(store=self.store, prices=self.prices.get(), news=self.news, trade_fee=self.trade_fee)

    def resolve(self, token: str | None) -> ToolContext | None:
        if not token:
            return None
        with self.store.read() as conn:
            live = session_store.live_session(conn, token)
        return None if live is None else ToolContext(live.signature, live.date, live.token, live.job_id)


def _text(result: Any, is_error: bool) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=json.dumps(result, default=str))], is_error=is_error)


def run_bound_tool(source: EnvSource, token: str | None, name: str, arguments: Any) -> Any:
    """Resolve the session token and run the tool (blocking: SQLite). Unknown token → {"error"}."""
    ctx = source.resolve(token)
    if ctx is None:
        return {
            "error": f"no active trading session for this request: the {SESSION_HEADER} header is "
            + ("missing" if not token else "unknown or expired")
        }
    return call_tool(source.env(), ctx, name, arguments)


class SessionToolServer(MCPServer):
    """An MCPServer whose tools are registry tools bound per request by the session header."""

    def __init__(self, server: str, source: EnvSource):
        if server not in TOOL_SERVERS:
            raise ValueError(f"unknown tool server {server!r} (known: {', '.join(TOOL_SERVERS)})")
        super().__init__(name=f"ai-trader-{server}", instructions=f"AI-Trader {server} tools", log_level="WARNING")
        self.server = server
        self.tool_names = tuple(TOOL_SERVERS[server])
        self.source = source

    async def list_tools(self) -> list[MCPTool]:
        return [
            MCPTool(
                name=n,
                description=SPECS_BY_NAME[n]["function"]["description"],
                input_schema=SPECS_BY_NAME[n]["function"]["parameters"],
            )
            for n in self.tool_names
        ]

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Context | None = None) -> CallToolResult:
        if name not in self.tool_names:
            return _text(
                {"error": f"unknown tool {name!r} on the {self.server} server; it has {', '.join(self.tool_names)}"},
                True,
            )
        headers = (context.headers if context is not None else None) or {}
        token = headers.get(SESSION_HEADER.lower()) or headers.get(SESSION_HEADER)
        result = await anyio.to_thread.run_sync(run_bound_tool, self.source, token, name, arguments)
        return _text(result, isinstance(result, dict) and "error" in result)


def build_app(server: str, source: EnvSource, *, host: str = "127.0.0.1") -> Starlette:
    """The ASGI app of one tool server (streamable HTTP at /mcp, stateless, JSON responses)."""
    mcp = SessionToolServer(server, source)
    return mcp.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=True, host=host)


async def serve_all(source: EnvSource, host: str, ports: dict[str, int]) -> None:
    """Serve the given servers (name → port) until cancelled."""
    import uvicorn

    servers = [
        uvicorn.Server(
            uvicorn.Config(build_app(name, source, host=host), host=host, port=port, log_level="warning", lifespan="on")
        )
        for name, port in ports.items()
    ]
    async with anyio.create_task_group() as tg:
        for s in servers:
            tg.start_soon(s.serve)

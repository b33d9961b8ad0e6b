"""The Toolbox over the four MCP tool servers (streamable HTTP), bound to one session by its token header.

`McpToolbox(urls, token)`: `urls` maps server name (math, search, trade, price — `Settings.mcp_urls()`) to its
`/mcp` URL. Each server gets one MCP client session per toolbox (= per model-day), opened on first use and
closed by `aclose()` (or `async with`). Every request carries `X-AI-Trader-Session: <token>`.

Each connection lives in its own asyncio task (the SDK's anyio task groups must be entered and exited by the same
task, while a model-day calls tools from a task the executor may cancel). Results are decoded from the servers'
JSON text, giving exactly the values the in-process toolbox returns. A server that cannot be reached raises
`McpUnavailable` (the model-day fails with that message); a bad tool call never raises.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from ..tools.mcp_servers import SESSION_HEADER
from ..tools.registry import TOOL_SERVERS, TOOL_SPECS, validate_arguments
from .http import shared_ssl_context

log = logging.getLogger(__name__)
SERVER_OF = {tool: server for server, tools in TOOL_SERVERS.items() for tool in tools}


class McpUnavailable(Exception):
    """An MCP tool server could not be reached or broke the protocol."""


def decode_result(result: Any) -> Any:
    """CallToolResult → the tool's return value (JSON text decoded; other text as {"error"} if flagged)."""
    texts = [c.text for c in (result.content or []) if getattr(c, "type", None) == "text"]
    text = "\n".join(texts)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return {"error": text or "the tool returned nothing"} if result.is_error else text


class _Connection:
    """One MCP client session, run by its own task; calls are queued to it."""

    def __init__(self, name: str, url: str, headers: dict[str, str], timeout_s: float):
        self.name, self.url = name, url
        self._headers, self._timeout = headers, timeout_s
        self._queue: asyncio.Queue[tuple[str, dict[str, Any], asyncio.Future[Any]] | None] = asyncio.Queue()
        self._ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run(), name=f"mcp-{name}")

    async def _run(self) -> None:
        try:
            timeout = httpx2.Timeout(self._timeout, connect=min(5.0, self._timeout))
            http = httpx2.AsyncClient(headers=self._headers, timeout=timeout, verify=shared_ssl_context())
            async with http, Client(streamable_http_client(self.url, http_client=http), mode="legacy") as client:
                self._ready.set_result(None)
                while (item := await self._queue.get()) is not None:
                    name, arguments, fut = item
                    try:
                        res = await client.call_tool(name, arguments)
                    except Exception as exc:
                        if not fut.done():
                            fut.set_exception(exc)
                    else:
                        if not fut.done():
                            fut.set_result(res)
        except Exception as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            else:
                log.warning("MCP connection to %s ended: %s", self.url, exc)
        finally:
            self._fail_pending()

    def _fail_pending(self) -> None:
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not None and not item[2].done():
                item[2].set_exception(McpUnavailable(f"MCP {self.name} server connection closed"))

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        try:
            await self._ready
        except Exception as exc:
            raise McpUnavailable(f"MCP {self.name} server at {self.url} is unreachable: {_describe(exc)}") from exc
        if self._task.done():
            raise McpUnavailable(f"MCP {self.name} server connection at {self.url} is closed")
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self._queue.put((name, arguments, fut))
        try:
            return await fut
        except McpUnavailable:
            raise
        except Exception as exc:
            raise McpUnavailable(f"MCP {self.name} server at {self.url} failed: {_describe(exc)}") from exc

    async def close(self) -> None:
        await self._queue.put(None)
        try:
            await asyncio.wait_for(asyncio.shield(self._task), 5.0)
        except (TimeoutError, Exception):
            self._task.cancel()
        if not self._ready.done():
            self._ready.cancel()


def _describe(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


class McpToolbox:
    """Toolbox over MCP (see module docstring)."""

    def __init__(self, urls: dict[str, str], token: str, *, timeout_s: float = 30.0):
        missing = [s for s in TOOL_SERVERS if s not in urls]
        if missing:
            raise ValueError(f"McpToolbox needs a URL for every tool server; missing: {', '.join(missing)}")
        self.urls = dict(urls)
        self.headers = {SESSION_HEADER: token}
        self.timeout_s = timeout_s
        self._connections: dict[str, _Connection] = {}

    def specs(self) -> list[dict[str, Any]]:
        return [dict(s) for s in TOOL_SPECS]

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        server = SERVER_OF.get(name)
        if server is None or not isinstance(arguments, dict):  # the registry's own message, as in-process
            return {"error": validate_arguments(name, arguments)}
        conn = self._connections.get(server)
        if conn is None:
            conn = self._connections[server] = _Connection(server, self.urls[server], self.headers, self.timeout_s)
        return decode_result(await conn.call(name, arguments))

    async def aclose(self) -> None:
        conns, self._connections = list(self._connections.values()), {}
        for c in conns:
            await c.close()

    async def __aenter__(self) -> McpToolbox:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

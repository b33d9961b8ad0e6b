"""`ai-trader mcp`: serve the four MCP tool servers (math, search, trade, price) over streamable HTTP at /mcp."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import typer

from ..store import Store
from ..tools.news_factory import build_news_provider
from .common import load_settings
from .envvars import epilog

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    app.command("mcp", epilog=epilog("mcp"))(mcp_cmd)


def mcp_cmd(
    host: str | None = typer.Option(None, "--host", help="Bind address (env MCP_HOST, default 127.0.0.1)."),
    math_port: int | None = typer.Option(None, "--math-port", help="env MATH_HTTP_PORT, default 8000."),
    search_port: int | None = typer.Option(None, "--search-port", help="env SEARCH_HTTP_PORT, default 8001."),
    trade_port: int | None = typer.Option(None, "--trade-port", help="env TRADE_HTTP_PORT, default 8002."),
    price_port: int | None = typer.Option(None, "--price-port", help="env GETPRICE_HTTP_PORT, default 8003."),
    only: list[str] = typer.Option(
        None, "--only", help="Serve only these servers (repeatable): math, search, trade, price."
    ),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Directory of the database (env DATA_DIR)."),
) -> None:
    """Serve the tool servers. Agents bind their session with the X-AI-Trader-Session header."""
    from ..tools.mcp_servers import PORT_SETTINGS, EnvSource, serve_all  # the MCP SDK (~0.5 s): only here

    settings = load_settings(
        mcp_host=host,
        math_http_port=math_port,
        search_http_port=search_port,
        trade_http_port=trade_port,
        getprice_http_port=price_port,
        data_dir=data_dir,
    )
    names = list(only or PORT_SETTINGS)
    unknown = [n for n in names if n not in PORT_SETTINGS]
    if unknown:
        raise typer.BadParameter(f"unknown server(s): {', '.join(unknown)}; choose from {', '.join(PORT_SETTINGS)}")
    try:
        news = build_news_provider(settings)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    store = Store(settings.store_url)
    source = EnvSource(store, news=news, trade_fee=settings.trade_fee)
    ports = {n: getattr(settings, PORT_SETTINGS[n]) for n in names}
    for n, port in ports.items():
        typer.echo(f"{n:<6} http://{settings.mcp_host}:{port}/mcp")
    try:
        asyncio.run(serve_all(source, settings.mcp_host, ports))
    except KeyboardInterrupt:
        pass
    finally:
        store.close()

"""`ai-trader serve`: the service — the REST API with its in-process worker and the four MCP tool servers as child
processes, supervised by `ai_trader.supervisor` (the same in a container: the entrypoint `exec`s this command)."""

from __future__ import annotations

import typer

from .common import load_settings
from .envvars import epilog


def register(app: typer.Typer) -> None:
    app.command("serve", epilog=epilog("serve"))(serve)


def serve(
    host: str | None = typer.Option(None, "--host", help="Bind address (env API_HOST, default 0.0.0.0)."),
    port: int | None = typer.Option(None, "--port", help="Port (env API_PORT, default 8080)."),
    no_mcp: bool = typer.Option(False, "--no-mcp", help="Do not start the MCP tool servers (env MCP_ENABLED=false)."),
) -> None:
    """Run the API server and the worker, and the MCP tool servers as supervised children. Exits 0 after
    SIGTERM/SIGINT, 1 when a child process dies or a port is taken, 2 for a bad setting or DATA_DIR."""
    from ..supervisor import Supervisor  # here, not at the top: the MCP SDK (~0.5 s) only for `serve`

    settings = load_settings(api_host=host, api_port=port, mcp_enabled=False if no_mcp else None)
    code = Supervisor(settings).run()
    if code:
        raise typer.Exit(code)

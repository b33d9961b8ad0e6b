"""`ai-trader serve`: the HTTP API with its in-process worker, plus the four MCP tool servers (a child process
running `ai-trader mcp`) unless `--no-mcp`. The MCP servers must answer before the API starts (polled, not a fixed
sleep); they are stopped when the API exits (SIGINT/SIGTERM stop uvicorn, whose lifespan stops the worker)."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time

import httpx
import typer

from ..settings import Settings
from .common import load_settings

log = logging.getLogger(__name__)
MCP_START_TIMEOUT_S = 30.0


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: str | None = typer.Option(None, "--host", help="Bind address (env API_HOST, default 0.0.0.0)."),
    port: int | None = typer.Option(None, "--port", help="Port (env API_PORT, default 8080)."),
    no_mcp: bool = typer.Option(False, "--no-mcp", help="Do not start the MCP tool servers (env MCP_ENABLED=false)."),
    mcp_external: bool = typer.Option(
        False,
        "--mcp-external",
        help="The MCP tool servers run elsewhere (e.g. started by docker-entrypoint.sh): do not start them, but "
        "keep checking them in /health (unless MCP_ENABLED=false).",
    ),
) -> None:
    """Run the API server and the worker (and the MCP tool servers unless disabled)."""
    import uvicorn

    from ..api.app import create_app

    settings = load_settings(api_host=host, api_port=port, mcp_enabled=False if no_mcp else None)
    child = None
    # until uvicorn installs its own handlers, TERM must still run the cleanup below (stop the MCP child)
    signal.signal(signal.SIGTERM, _raise_exit)
    if settings.mcp_enabled and not mcp_external:
        child = start_mcp_child(settings)
        if child is None:
            settings = settings.model_copy(update={"mcp_enabled": False})
    try:
        app = create_app(settings)
        # uvicorn handles TERM/INT itself (graceful shutdown, worker stopped) and then re-raises the signal to the
        # previous handler: by then the stop was clean, so exit 0 (and still run the cleanup below)
        signal.signal(signal.SIGTERM, _exit_clean)
        uvicorn.run(
            app,
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) + 1,
        )
    finally:
        if child is not None:
            stop_child(child)


def _raise_exit(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _exit_clean(signum, frame) -> None:
    raise SystemExit(0)


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the parent dies, even by SIGKILL (Linux), so no orphan holds the ports."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_mcp_child(settings: Settings) -> subprocess.Popen | None:
    """Start `ai-trader mcp` and wait until every MCP URL answers; None (and MCP disabled) when they do not."""
    cmd = [sys.executable, "-c", "from ai_trader.cli import main; main()", "mcp"]
    child = subprocess.Popen(cmd, preexec_fn=_die_with_parent if sys.platform == "linux" else None)  # noqa: PLW1509
    deadline = time.monotonic() + MCP_START_TIMEOUT_S
    pending = dict(settings.mcp_urls())
    with httpx.Client(trust_env=False, timeout=0.5) as client:
        while pending and time.monotonic() < deadline and child.poll() is None:
            for name, url in list(pending.items()):
                try:
                    with client.stream("GET", url):  # headers suffice: GET /mcp may be a held-open stream
                        pending.pop(name)
                except httpx.HTTPError:
                    pass
            if pending:
                time.sleep(0.1)
    if pending:
        log.error("MCP tool servers did not start (%s); serving without them", ", ".join(pending))
        stop_child(child)
        return None
    log.info("MCP tool servers up", extra={"urls": settings.mcp_urls()})
    return child


def stop_child(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

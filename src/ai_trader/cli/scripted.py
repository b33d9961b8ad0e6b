"""`ai-trader scripted-llm`: serve the scripted model as an OpenAI-compatible chat-completions endpoint."""

from __future__ import annotations

import typer

from ..agents.scripted import SCRIPTS
from .common import load_settings
from .envvars import epilog


def register(app: typer.Typer) -> None:
    app.command("scripted-llm", epilog=epilog("scripted-llm"))(scripted_llm_cmd)


def scripted_llm_cmd(
    port: int = typer.Option(8090, "--port", min=1, max=65535, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Bind address."),
    script: str | None = typer.Option(
        None, "--script", help=f"Default script when the request's model names none: {', '.join(sorted(SCRIPTS))}."
    ),
    latency_ms: float = typer.Option(0.0, "--latency-ms", min=0, help="Delay before every answer."),
) -> None:
    """Serve POST /v1/chat/completions playing a deterministic script (model = script name, or --script)."""
    import uvicorn

    from ..agents.scripted_server import create_app

    load_settings()
    try:
        app = create_app(script, latency_ms)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(f"scripted model at http://{host}:{port}/v1 (scripts: {', '.join(sorted(SCRIPTS))})")
    uvicorn.run(app, host=host, port=port, log_level="warning")

"""`ai-trader check-model CONFIG [--model SIG]`: one short tool-calling request per model entry
(service/model_check.py); exit status 1 when an entry is broken, 2 for a bad config."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer
from rich.console import Console

from ..errors import AppError
from ..service.model_check import check_config
from ..store import Store
from .common import load_settings, print_error
from .envvars import epilog


def register(app: typer.Typer) -> None:
    app.command("check-model", epilog=epilog("check-model"))(check_model_cmd)


def check_model_cmd(
    config: Path = typer.Argument(..., help="The config file (any path)."),
    model: list[str] | None = typer.Option(None, "--model", help="Signature(s) to check (default: enabled ones)."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Directory of the database (env DATA_DIR)."),
) -> None:
    """Send one short tool-calling request to each OpenAI-compatible model entry (with its request settings) and
    report: reachable, auth ok, tool calls native or written as text, the finish signal, latency and tokens."""
    settings = load_settings(batch=True, data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.store_url)
    try:
        body = asyncio.run(check_config(settings, store, config, model))
    except AppError as exc:
        print_error(exc)
        raise typer.Exit(2) from None
    finally:
        store.close()
    out = Console()
    if as_json:
        out.print_json(json.dumps(body))
    else:
        for r in body["results"]:
            head = "[green]ok[/green]" if r["ok"] else "[red]BROKEN[/red]"
            facts = ", ".join(
                f"{k}={r[k]}"
                for k in ("reachable", "auth_ok", "tool_calls", "text_format", "finish_signal", "latency_s")
                if r.get(k) is not None
            )
            tokens = f", tokens {r['prompt_tokens']}+{r['completion_tokens']}" if "prompt_tokens" in r else ""
            out.print(f"{head} {r['model']}: {facts}{tokens}", highlight=False, soft_wrap=True)
            if r.get("problem"):
                out.print(f"    {r['problem']}", highlight=False, soft_wrap=True)
        if not body["results"]:
            out.print("No OpenAI-compatible model entry to check.")
    if not body["ok"]:
        raise typer.Exit(1)

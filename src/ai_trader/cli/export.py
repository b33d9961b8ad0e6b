"""`ai-trader export`: regenerate the AI-Trader position.jsonl / log.jsonl files from the database."""

from __future__ import annotations

from pathlib import Path

import typer

from ..exports import SIGNATURE_RE
from ..jobs.export_repair import export_all
from ..store import Store
from .common import load_settings
from .envvars import epilog


def register(app: typer.Typer) -> None:
    app.command("export", epilog=epilog("export"))(export_cmd)


def export_cmd(
    signature: list[str] = typer.Option(
        None, "--signature", "-s", help="Only this signature (repeatable); default: every signature with results."
    ),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Data directory (env DATA_DIR, default ./data)."),
) -> None:
    """Write data/agent_data/<signature>/position/position.jsonl and log/<date>/log.jsonl from the database."""
    for sig in signature or []:
        if not SIGNATURE_RE.match(sig):
            raise typer.BadParameter(f"invalid signature {sig!r}", param_hint="--signature")
    settings = load_settings(data_dir=data_dir)
    store = Store(settings.store_url)
    try:
        written = export_all(store, settings.agent_data_dir, signature or None)
    finally:
        store.close()
    if not written:
        typer.echo("No committed model-days: nothing to export.")
    for sig, n in written.items():
        where = settings.agent_data_dir / sig
        typer.echo(f"{sig}: {n} file(s) in {where}" if n else f"{sig}: no committed model-days")
    if signature and not any(written.values()):
        raise typer.Exit(1)

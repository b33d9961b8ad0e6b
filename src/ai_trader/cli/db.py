"""`ai-trader db migrate|copy`: bring a store to the current schema; copy a whole store into another (SQLite ->
PostgreSQL, or back)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..store import Store, db
from ..store.copy import DestinationNotEmpty, copy_store
from ..store.engines import hide_password, is_postgres, sqlite_path
from .common import load_settings
from .envvars import epilog

db_app = typer.Typer(help="The store: migrate its schema, copy it to another engine.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


def _open(url: str) -> Store:
    """The store at `url`, migrated; one that cannot be opened is an error line (without its password), exit 1."""
    try:
        return Store(url)
    except db.DatabaseError as exc:
        typer.echo(f"error: cannot open the store {hide_password(url)}: {exc}", err=True)
        raise typer.Exit(1) from None


@db_app.command("migrate", epilog=epilog("db migrate"))
def migrate_cmd(
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Data directory (env DATA_DIR, default ./data)."),
    url: str | None = typer.Option(None, "--url", help="The store (env DATABASE_URL; default DATA_DIR/jobs.db)."),
) -> None:
    """Apply every migration the store has not had yet (every command does this on open; this does only that)."""
    settings = load_settings(data_dir=data_dir, database_url=url)
    store = _open(settings.store_url)
    try:
        typer.echo(f"{store.location}: schema version {store.schema_version()}")
    finally:
        store.close()


@db_app.command("copy", epilog=epilog("db copy"))
def copy_cmd(
    source: str = typer.Option(..., "--from", help="The store to read: sqlite:///PATH or postgresql://..."),
    target: str = typer.Option(..., "--to", help="An empty store to fill: postgresql://... or sqlite:///PATH."),
) -> None:
    """Copy every row of one store into another, empty one (both migrated first; all or nothing)."""
    load_settings(database_url=target)  # validates the URL and registers its password for redaction
    load_settings(database_url=source)
    if not is_postgres(source) and not sqlite_path(source).is_file():
        typer.echo(f"error: no SQLite store at {sqlite_path(source)}", err=True)
        raise typer.Exit(1)
    src = _open(source)
    try:
        dst = _open(target)
    except typer.Exit:
        src.close()
        raise
    try:
        counts = copy_store(src, dst)
    except DestinationNotEmpty as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except db.DatabaseError as exc:
        typer.echo(f"error: the copy failed, nothing was written: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        src.close()
        dst.close()
    rows = sum(counts.values())
    typer.echo(f"copied {rows} rows of {len(counts)} tables from {hide_password(source)} to {hide_password(target)}")
    for table, n in counts.items():
        typer.echo(f"  {table}: {n}")

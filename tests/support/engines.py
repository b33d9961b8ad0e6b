"""The two engines of the store in tests: SQLite (a file in the test's tmp dir) and PostgreSQL (a schema of its own
in the `test` database on 127.0.0.1:5432, dropped after the test; pytest-xdist workers never share one).

A module runs against both when it is marked `pytest.mark.both_engines` (tests/conftest.py parametrizes its
`engine`). PostgreSQL missing is a failure with this message, never a skip."""

from __future__ import annotations

import atexit
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from ai_trader.settings import Settings
from ai_trader.store import Store
from ai_trader.store.copy import copy_store

# the server the suite uses; override with TEST_POSTGRES_URL (a database the tests may create schemas in)
SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ENGINES = ("sqlite", "postgresql")


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(SERVER, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise AssertionError(
            f"PostgreSQL is needed for the tests marked both_engines and is not reachable at {SERVER} ({exc}). "
            "Start it (Debian: apt-get install postgresql && pg_ctlcluster 15 main start, trust auth for 127.0.0.1) "
            "or point TEST_POSTGRES_URL at one."
        ) from exc


def url_of(schema: str) -> str:
    sep = "&" if "?" in SERVER else "?"
    return f"{SERVER}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh schema; yields the DATABASE_URL that selects it; drops it (and everything in it) after."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with _admin() as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield url_of(name)
    finally:
        with _admin() as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


_templates: dict[Path, str] = {}  # template file -> the schema (of this process) it was copied into once


def _drop_templates() -> None:
    if _templates:
        with _admin() as conn:
            for name in _templates.values():
                conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _template_schema(template: Path) -> str:
    """The template file copied (`copy_store`, as `ai-trader db copy` does) into a schema, once per process."""
    found = _templates.get(template)
    if found is None:
        found = f"tpl_{uuid.uuid4().hex[:16]}"
        with _admin() as conn:
            conn.execute(f"CREATE SCHEMA {found}")
        if not _templates:
            atexit.register(_drop_templates)
        _templates[template] = found
        src, dst = Store(template), Store(url_of(found))
        try:
            copy_store(src, dst)
        finally:
            src.close()
            dst.close()
    return found


def seed_store(settings: Settings, template: Path) -> None:
    """Give the settings' store the contents of a template SQLite file: a file copy (SQLite), or (PostgreSQL) the
    rows of the template's schema copied server-side into the test's freshly migrated schema."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.database_url is None:
        shutil.copy(template, settings.db_path)
        return
    source = _template_schema(template)
    store = Store(settings.database_url)
    try:
        with store.write() as conn:
            for table in store.engine.tables(conn):
                if table != "schema_version":
                    conn.execute(f"INSERT INTO {table} SELECT * FROM {source}.{table}")
                    store.engine.after_copy(conn, table)
    finally:
        store.close()

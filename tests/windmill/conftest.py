"""Fixtures for the Windmill package tests: the stand-in API, Bun, PostgreSQL and mocked resources."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.windmill.standin_api import StandInServer

ROOT = Path(__file__).resolve().parents[2]
WINDMILL = ROOT / "windmill"
SCRIPTS = WINDMILL / "f" / "ai_trader"
FLOW_DIR = SCRIPTS / "daily_simulation__flow"
BIN = ROOT / "node_modules" / ".bin"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "password": "", "dbname": "test", "sslmode": "disable"}
DB_RESOURCE = "f/ai_trader/db"


def node_tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} missing: run `npm ci` at the repo root (scripts/setup-test-tools does)")
    return path


@pytest.fixture(scope="session")
def bun() -> Path:
    return node_tool("bun")


@pytest.fixture(scope="session")
def wmill_cli() -> Path:
    return node_tool("wmill")


@pytest.fixture
def run_ts(bun):
    """Run a TS script's main(*args) under Bun; returns (ok, result_or_error_message)."""

    def run(script: Path, *args):
        proc = subprocess.run(
            [str(bun), str(ROOT / "tests/windmill/run_ts.ts"), str(script), json.dumps(list(args))],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        return (True, out["result"]) if out["ok"] else (False, out["error"])

    return run


@pytest.fixture(scope="session")
def _standin_session():
    server = StandInServer()
    server.thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def standin(_standin_session):
    from tests.windmill.standin_api import State

    _standin_session.state = State()
    return _standin_session


@pytest.fixture(scope="session")
def postgres() -> dict:
    import psycopg

    try:
        psycopg.connect(**{k: v for k, v in PG.items() if v != ""}, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG['host']}:{PG['port']} db {PG['dbname']}: {exc}")
    return PG


@pytest.fixture(scope="session")
def mocked_api(postgres, tmp_path_factory):
    """WM_MOCKED_API_FILE holding the postgresql resource, read by the wmill client's get_resource."""
    path = tmp_path_factory.mktemp("wm") / "mocked_api.json"
    path.write_text(json.dumps({"variables": {}, "resources": {DB_RESOURCE: postgres}}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WM_MOCKED_API_FILE", str(path))
        mp.setenv("WM_WORKSPACE", "test")
        import wmill.client

        mp.setattr(wmill.client, "_client", None)  # the client reads the file when first built
        yield path


@pytest.fixture
def table(postgres, mocked_api):
    """A fresh table name per test, dropped afterwards (tests share the `test` database)."""
    import psycopg

    name = f"wm_results_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(**{k: v for k, v in postgres.items() if v != ""}) as conn:
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')


def load_script(name: str):
    """Import a Windmill Python script by file path, as the worker does (its main is the entry point)."""
    spec = importlib.util.spec_from_file_location(f"wm_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copy_windmill(dest: Path) -> Path:
    shutil.copytree(WINDMILL, dest / "windmill")
    return dest / "windmill"

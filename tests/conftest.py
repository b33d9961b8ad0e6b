"""Shared fixtures: a fresh database per test, the packaged NASDAQ-100 data, settings built per test.

The suite needs nothing outside the repository: the NASDAQ-100 bars are the data set shipped inside the package
(`ai_trader/market/data/`), the news sample lives in `tests/fixtures/`."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ai_trader.market.packaged import import_packaged, packaged_text
from ai_trader.settings import Settings
from ai_trader.store import Store
from tests.support.engines import ENGINES, pg_schema

ROOT = Path(__file__).resolve().parents[1]
# The only skips the suite accepts: named environmental ones. Any other skip fails the test (a test that silently
# skips is a test that does not exist).
ALLOWED_SKIPS = ("the docker compose plugin is not installed here",)
FIXTURES = ROOT / "tests" / "fixtures"
NEWS_JSON = FIXTURES / "news_sample_alphavantage.json"  # 20 real articles in Alpha Vantage NEWS_SENTIMENT format


@pytest.fixture(autouse=True)
def _restore_root_logger():
    """Commands run in-process (typer's runner) set up logging on streams that close with the run: give every test
    the root logger it started with."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def pytest_generate_tests(metafunc):
    """Tests of modules marked `both_engines` run once per engine of the store (tests/support/engines.py)."""
    if "engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_engines"):
        metafunc.parametrize("engine", ENGINES)


@pytest.fixture
def engine() -> str:
    """The store's engine: SQLite unless the module is marked `both_engines`."""
    return "sqlite"


@pytest.fixture
def database_url(engine: str):
    """None (the SQLite file in DATA_DIR) or the URL of a fresh PostgreSQL schema, dropped after the test."""
    if engine == "sqlite":
        yield None
        return
    with pg_schema() as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    configs = tmp_path / "configs"
    configs.mkdir()
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        configs_dir=configs,
        log_format="console",
        database_url=database_url,
    )


@pytest.fixture
def store(settings: Settings):
    s = Store(settings.store_url)
    yield s
    s.close()


@pytest.fixture(scope="session")
def nasdaq_csv(tmp_path_factory) -> Path:
    """The packaged NASDAQ-100 data set as a plain long CSV file (for tests of file imports and the CLI)."""
    path = tmp_path_factory.mktemp("nasdaq-csv") / "nasdaq100_daily.csv"
    path.write_text(packaged_text(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def nasdaq_db_template(tmp_path_factory) -> Path:
    """A database file with the packaged NASDAQ-100 data set imported (as `ai-trader data import --packaged` does),
    built once per test session; tests copy it to get a fresh, priced database of their own."""
    path = tmp_path_factory.mktemp("nasdaq-template") / "jobs.db"
    s = Store(path)
    import_packaged(s)
    s.conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if not any(allowed in reason for allowed in ALLOWED_SKIPS):
            report.outcome = "failed"
            report.longrepr = f"unexpected skip (only {ALLOWED_SKIPS} may skip): {reason}"

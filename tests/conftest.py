"""Shared fixtures: a fresh database per test, the shared NASDAQ-100 data, settings built per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_trader.settings import Settings
from ai_trader.store import Store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NASDAQ_CSV = SHARED / "data" / "nasdaq100_daily.csv"
NEWS_JSON = SHARED / "data" / "news_sample_alphavantage.json"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    configs = tmp_path / "configs"
    configs.mkdir()
    return Settings(_env_file=None, data_dir=tmp_path / "data", configs_dir=configs, log_format="console")


@pytest.fixture
def store(settings: Settings):
    s = Store(settings.db_path)
    yield s
    s.close()


@pytest.fixture(scope="session")
def nasdaq_csv() -> Path:
    if not NASDAQ_CSV.exists():
        pytest.skip(f"shared data not found at {NASDAQ_CSV}")
    return NASDAQ_CSV


@pytest.fixture(scope="session")
def nasdaq_db_template(tmp_path_factory, nasdaq_csv) -> Path:
    """A database file with the shared NASDAQ-100 file imported, built once per test session; tests copy it to get
    a fresh, priced database of their own."""
    from ai_trader.market.importers import import_file

    path = tmp_path_factory.mktemp("nasdaq-template") / "jobs.db"
    s = Store(path)
    import_file(s, nasdaq_csv)
    s.conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path

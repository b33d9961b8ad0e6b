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

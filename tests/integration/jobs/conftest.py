"""A fresh SQLite database per test, pre-loaded with the packaged NASDAQ-100 prices (imported once per session into
a template file through market.importers, then copied), and config files in the test's configs dir."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ai_trader.service.jobs import JobService
from ai_trader.settings import Settings
from tests.support.engines import seed_store

TODAY = dt.date(2025, 11, 3)  # the packaged data ends on 2025-10-30
BASELINES = [
    {"signature": "equal-weight", "provider": "baseline", "strategy": "equal_weight"},
    {"signature": "momentum", "provider": "baseline", "strategy": "momentum"},
    {"signature": "cash", "provider": "baseline", "strategy": "cash"},
]


@pytest.fixture(scope="session")
def price_template(nasdaq_db_template) -> Path:
    return nasdaq_db_template


@pytest.fixture
def settings(tmp_path: Path, price_template: Path, database_url: str | None) -> Settings:
    configs = tmp_path / "configs"
    configs.mkdir()
    s = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        configs_dir=configs,
        log_format="console",
        worker_poll_seconds=0.05,
        database_url=database_url,
    )
    seed_store(s, price_template)
    return s


def write_config(settings: Settings, models=None, name: str = "default_config.json", **agent) -> Path:
    path = settings.configs_dir / name
    path.write_text(
        json.dumps(
            {
                "date_range": {"init_date": "2025-06-09", "end_date": "2025-10-30"},
                "models": models if models is not None else BASELINES,
                "agent_config": {"initial_cash": 10000.0, **agent},
            }
        )
    )
    return path


@pytest.fixture
def service(settings, store) -> JobService:
    write_config(settings)
    return JobService(settings, store, today=lambda: TODAY)

"""Fixtures for the API and read-side tests: a database with the shared NASDAQ-100 prices (imported once per
session into a template file, copied per test) and a PriceView over it."""

from __future__ import annotations

import shutil

import pytest

from ai_trader.market.importers import import_file
from ai_trader.market.prices import PriceView
from ai_trader.store import Store


@pytest.fixture(scope="session")
def priced_template(tmp_path_factory, nasdaq_csv):
    path = tmp_path_factory.mktemp("template") / "jobs.db"
    s = Store(path)
    import_file(s, nasdaq_csv)
    s.conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path


@pytest.fixture
def priced_store(settings, priced_template):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(priced_template, settings.db_path)
    s = Store(settings.db_path)
    yield s
    s.close()


@pytest.fixture
def prices(priced_store):
    return PriceView.load(priced_store)

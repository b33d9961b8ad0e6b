"""Fixtures shared by the integration tests."""

from __future__ import annotations

import shutil

import pytest

from ai_trader.store import Store


@pytest.fixture
def priced_store(settings, nasdaq_db_template):
    """A fresh database holding the packaged NASDAQ-100 prices (a copy of the session's imported template)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(nasdaq_db_template, settings.db_path)
    s = Store(settings.db_path)
    yield s
    s.close()

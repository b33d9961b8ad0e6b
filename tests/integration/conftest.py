"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest

from ai_trader.store import Store
from tests.support.engines import seed_store


@pytest.fixture
def priced_store(settings, nasdaq_db_template):
    """A fresh store holding the packaged NASDAQ-100 prices (a copy of the session's imported template, on the
    test's engine)."""
    seed_store(settings, nasdaq_db_template)
    s = Store(settings.store_url)
    yield s
    s.close()

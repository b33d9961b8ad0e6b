"""Fixtures shared by the downloader tests: the packaged NASDAQ-100 bars and a local Alpha Vantage stand-in."""

from __future__ import annotations

import pytest

from .av_standin import AlphaVantageStandIn, load_bars


@pytest.fixture(scope="module")
def shared_bars(nasdaq_csv):
    return load_bars(nasdaq_csv)


@pytest.fixture
def av(shared_bars):
    """A started stand-in serving the packaged bars; stopped after the test."""
    server = AlphaVantageStandIn(shared_bars).start()
    yield server
    server.stop()

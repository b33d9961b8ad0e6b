"""Engine review findings that need no database."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from ai_trader.settings import Settings
from ai_trader.tools.functions import news_cutoff_utc
from ai_trader.tools.news_jina import published_before

CUTOFF = dt.datetime.fromisoformat(news_cutoff_utc("2025-10-15"))  # 13:30 UTC


def test_jina_timestamp_without_a_zone_is_judged_at_its_latest_possible_instant():
    """A zone-less '2025-10-15T11:00:00' from a New York site is 15:00 UTC, after the 09:30 New York cut-off;
    read as UTC it would look like 11:00 UTC and leak. Whatever zone it was written in, it must not pass unless
    it is before the cut-off in every zone."""
    assert published_before("2025-10-15T11:00:00", CUTOFF) is None
    assert published_before("2025-10-15 11:00", CUTOFF) is None
    assert published_before("2025-10-15T01:29:00", CUTOFF) is not None  # 13:29 UTC even at UTC-12
    assert published_before("2025-10-14T20:00:00", CUTOFF) is not None
    # explicit zones are still compared exactly
    assert published_before("2025-10-15T13:29:00Z", CUTOFF) is not None
    assert published_before("2025-10-15T09:31:00-04:00", CUTOFF) is None


@pytest.mark.parametrize("fee", [-5.0, float("nan"), float("inf")])
def test_a_negative_or_non_finite_trade_fee_is_refused_at_configuration(fee):
    """A negative TRADE_FEE would pay the model for every trade (cash grows from nothing); NaN made every trade
    fail with an internal error. Both are configuration errors, reported when the settings are read."""
    with pytest.raises(ValidationError, match="trade_fee"):
        Settings(_env_file=None, trade_fee=fee)
    assert Settings(_env_file=None, trade_fee=1.5).trade_fee == 1.5

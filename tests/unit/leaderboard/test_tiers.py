"""Tiers from repeated model confidence sets separate a clear winner and keep equals together."""

from __future__ import annotations

import numpy as np

from ai_trader.leaderboard.tiers import tiers


def test_a_wide_winner_is_alone_in_tier_one_and_equals_share_a_tier():
    rng = np.random.default_rng(5)
    q = rng.normal(0.0003, 0.01, 250)
    winner = q + 0.004 + rng.normal(0, 0.002, 250)  # beats QQQ by ~100 %/year
    match_a = q + rng.normal(0, 0.002, 250)  # QQQ plus noise: two models identical in distribution
    match_b = q + rng.normal(0, 0.002, 250)
    got = tiers(np.column_stack([match_a, winner, match_b]))
    assert got is not None
    assert got[1] == 1 and got[0] == got[2] > 1


def test_identical_series_share_a_tier_and_too_few_days_give_none():
    flat = np.zeros(30)
    rng = np.random.default_rng(6)
    up = 0.01 + rng.normal(0, 0.001, 30)
    assert tiers(np.column_stack([flat, up, flat])) == [2, 1, 2]
    assert tiers(np.zeros((5, 2))) is None


def test_the_same_data_gives_the_same_tiers():
    rng = np.random.default_rng(7)
    r = rng.normal(0.0, 0.01, (120, 6)) + np.linspace(0, 0.003, 6)
    assert tiers(r) == tiers(r.copy())

"""The stationary bootstrap: seeded (same data, same interval), and the excess and intervals it gives."""

from __future__ import annotations

import numpy as np
import pytest

from ai_trader.leaderboard.bootstrap import block_length, excess, indices, metric_intervals
from ai_trader.leaderboard.runstats import metrics


def test_block_length_is_the_cube_root_rule():
    assert [block_length(n) for n in (1, 8, 100, 250)] == [1, 2, 5, 6]


def test_seeded_indices_are_reproducible_and_in_blocks():
    a, b, c = indices(250, 200, seed=7), indices(250, 200, seed=7), indices(250, 200, seed=8)
    assert a.shape == (200, 250) and (a == b).all() and not (a == c).all()
    assert a.min() >= 0 and a.max() < 250
    # consecutive positions mostly continue a block (mean block 6 => about 5 of 6 steps are +1, wrapping)
    steps = (np.diff(a, axis=1) % 250 == 1).mean()
    assert 0.75 < steps < 0.9


def test_a_constant_excess_has_a_degenerate_interval_and_certain_beat():
    rng = np.random.default_rng(0)
    q = rng.normal(0, 0.01, 100)
    got = excess(np.vstack([q + 0.001, q + 0.001]), q, indices(100))
    assert got["annualized"] == pytest.approx(0.252)
    assert got["ci_low"] == pytest.approx(0.252) and got["ci_high"] == pytest.approx(0.252)
    assert got["p_beat"] == 1.0


def test_matching_qqq_gives_an_interval_around_zero():
    rng = np.random.default_rng(1)
    q = rng.normal(0, 0.01, 250)
    got = excess((q + rng.normal(0, 0.002, 250))[None, :], q, indices(250))
    assert got["ci_low"] < 0 < got["ci_high"] and 0.05 < got["p_beat"] < 0.95


def test_one_runs_metric_intervals_contain_the_point_values():
    rng = np.random.default_rng(2)
    r = rng.normal(0.001, 0.01, 250)
    point = metrics(r[None, :])
    got = metric_intervals(r, indices(250))
    for name, (lo, hi) in got.items():
        if name != "max_drawdown":  # a path statistic: resampled paths are usually deeper or shallower
            assert lo < float(point[name][0]) < hi, name
        assert lo < hi

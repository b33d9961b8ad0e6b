"""The board's statistics: intervals across runs with K > 1, from the days with K = 1 (and said so)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ai_trader.leaderboard.board import NOTE_DAYS, board_statistics

DAYS = [f"2025-07-{d:02d}" for d in range(1, 29)]


def _series(r, initial=10_000.0):
    v, out = initial, []
    for d, x in zip(DAYS, r, strict=True):
        v *= 1 + x
        out.append((d, v))
    return initial, out


def test_k_runs_give_t_intervals_and_k1_says_the_days_give_them():
    rng = np.random.default_rng(3)
    q = rng.normal(0.0005, 0.01, len(DAYS))
    runs = [_series(q + rng.normal(0.001, 0.005, len(DAYS))) for _ in range(4)]
    got = board_statistics({"multi": runs, "single": runs[:1]}, _series(q), reps=300)
    multi, single = got["by_signature"]["multi"], got["by_signature"]["single"]
    assert got["trials"] == 5
    assert multi["interval_method"] == "runs" and "note" not in multi and multi["runs"] == 4
    cums = np.array([v[-1][1] / 10_000 - 1 for _, v in runs])
    half = stats.t.ppf(0.975, 3) * cums.std(ddof=1) / 2
    cum = multi["metrics"]["cumulative_return"]
    assert cum["per_run"] == pytest.approx(list(cums))
    assert cum["mean"] == pytest.approx(cums.mean())
    assert (cum["ci_low"], cum["ci_high"]) == pytest.approx((cums.mean() - half, cums.mean() + half))
    assert single["interval_method"] == "days" and single["note"] == NOTE_DAYS
    s = single["metrics"]["sharpe"]
    assert s["ci_low"] < s["mean"] < s["ci_high"]
    e = multi["excess"]
    paths = np.array([[10_000.0] + [v for _, v in r[1]] for r in runs])
    mean_excess = ((paths[:, 1:] / paths[:, :-1] - 1).mean(axis=0) - q).mean() * 252
    assert e["annualized"] == pytest.approx(mean_excess) and e["days"] == len(DAYS)
    assert {multi["tier"], single["tier"]} <= {1, 2}
    assert 0 <= multi["deflated_sharpe"] <= 1


def test_same_input_same_output_and_no_benchmark_means_no_excess():
    rng = np.random.default_rng(4)
    runs = {"a": [_series(rng.normal(0, 0.01, len(DAYS)))], "b": [_series(rng.normal(0, 0.01, len(DAYS)))]}
    assert board_statistics(runs, None, reps=200) == board_statistics(runs, None, reps=200)
    assert board_statistics(runs, None, reps=200)["by_signature"]["a"]["excess"] is None
    assert board_statistics({}, None)["by_signature"] == {}

"""Per-run metrics equal the ledger's metrics on the same days; the across-runs interval is the Student t one."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from ai_trader.leaderboard.returns import common_days, matrix, returns_by_date
from ai_trader.leaderboard.runstats import across_runs, metrics
from ai_trader.ledger.metrics import compute_metrics


def _run(seed: int, n: int = 60, initial: float = 10_000.0):
    rnd = random.Random(seed)
    v, out = initial, []
    for i in range(n):
        v *= 1 + rnd.gauss(0.0005, 0.015)
        out.append((f"2025-{1 + i // 28:02d}-{1 + i % 28:02d}", v))
    return initial, out


@pytest.mark.parametrize("rf", [0.0, 0.04])
def test_per_run_metrics_match_the_ledgers_metrics(rf):
    initial, values = _run(3)
    r = matrix([returns_by_date((initial, values))], [d for d, _ in values])
    got = {k: float(v[0]) for k, v in metrics(r, rf).items()}
    want = compute_metrics(values, initial, risk_free_rate=rf)
    assert got["cumulative_return"] == pytest.approx(want.cumulative_return, rel=1e-12)
    assert got["annualized_return"] == pytest.approx(want.annualized_return, rel=1e-12)
    assert got["sharpe"] == pytest.approx(want.sharpe, rel=1e-12)
    assert got["max_drawdown"] == pytest.approx(want.max_drawdown, rel=1e-12)


def test_hand_computed_path():
    # 100 -> 110 -> 99 -> 108.9: returns +10 %, -10 %, +10 %; peak 110, trough 99: drawdown -10 %
    r = np.array([[0.10, -0.10, 0.10]])
    got = metrics(r)
    assert got["cumulative_return"][0] == pytest.approx(0.089)
    assert got["annualized_return"][0] == pytest.approx(1.089 ** (252 / 3) - 1)
    assert got["max_drawdown"][0] == pytest.approx(-0.10)
    sd = math.sqrt(((0.1 - 1 / 30) ** 2 * 2 + (-0.1 - 1 / 30) ** 2) / 2)
    assert got["sharpe"][0] == pytest.approx((1 / 30) / sd * math.sqrt(252))


def test_a_flat_run_has_no_sharpe_and_no_drawdown():
    got = metrics(np.zeros((1, 5)))
    assert math.isnan(got["sharpe"][0]) and got["max_drawdown"][0] == 0.0 and got["cumulative_return"][0] == 0.0


def test_across_runs_is_the_student_t_interval():
    # mean 2, s = 1, t(0.975, 2) = 4.302652729...: half-width 4.302652729 / sqrt(3) = 2.484137...
    got = across_runs(np.array([1.0, 2.0, 3.0]))
    assert got["mean"] == 2.0
    assert got["ci_low"] == pytest.approx(2 - 2.4841377, abs=1e-6)
    assert got["ci_high"] == pytest.approx(2 + 2.4841377, abs=1e-6)


def test_across_runs_leaves_undefined_values_out():
    assert across_runs(np.array([np.nan, 4.0])) == {"mean": 4.0, "ci_low": None, "ci_high": None}
    assert across_runs(np.array([np.nan])) == {"mean": None, "ci_low": None, "ci_high": None}


def test_common_days_drop_only_the_missing_dates():
    a = returns_by_date((100.0, [("d1", 110.0), ("d2", 121.0), ("d3", 133.1)]))
    b = returns_by_date((100.0, [("d1", 90.0), ("d3", 81.0)]))
    assert common_days([a, b]) == ["d1", "d3"]
    assert np.allclose(matrix([a, b], ["d1", "d3"]), [[0.1, 0.1], [-0.1, -0.1]])

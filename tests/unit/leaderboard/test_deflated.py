"""The deflated Sharpe ratio against the numerical example of Bailey & López de Prado (2014)."""

from __future__ import annotations

import math

import pytest

from ai_trader.leaderboard.deflated import deflated_sharpe, expected_max_sharpe


def test_the_papers_example():
    # N = 100 trials, V[SR] = 0.5 annualised (0.5/250 daily), SR = 2.5 annualised over T = 1250 days,
    # skewness -3, kurtosis 10: the paper reports SR0 = 0.1132 and DSR = 0.9004.
    sr0 = expected_max_sharpe(100, 0.5 / 250)
    assert sr0 == pytest.approx(0.1132, abs=5e-5)
    assert deflated_sharpe(2.5 / math.sqrt(250), 1250, -3.0, 10.0, sr0) == pytest.approx(0.9004, abs=5e-4)


def test_one_trial_is_the_probabilistic_sharpe_ratio_against_zero():
    assert expected_max_sharpe(1, 0.3) == 0.0
    assert expected_max_sharpe(5, 0.0) == 0.0
    # normal returns (skew 0, kurtosis 3): PSR = Phi(SR * sqrt(T-1) / sqrt(1 + SR^2 / 2))
    sr = 0.1
    want = 0.5 * (1 + math.erf(sr * math.sqrt(99) / math.sqrt(1 + sr**2 / 2) / math.sqrt(2)))
    assert deflated_sharpe(sr, 100, 0.0, 3.0, 0.0) == pytest.approx(want, rel=1e-12)


def test_more_trials_deflate_more():
    v = 0.0004
    assert expected_max_sharpe(10, v) < expected_max_sharpe(100, v) < expected_max_sharpe(1000, v)


def test_undefined_inputs_give_none():
    assert deflated_sharpe(float("nan"), 100, 0.0, 3.0, 0.0) is None
    assert deflated_sharpe(0.1, 1, 0.0, 3.0, 0.0) is None


def test_the_boards_moments_are_scipys():
    import numpy as np
    from scipy import stats

    from ai_trader.leaderboard.board import _moments

    x = np.random.default_rng(0).standard_t(5, 300)
    assert _moments(x) == pytest.approx((stats.skew(x), stats.kurtosis(x, fisher=False)), rel=1e-10)

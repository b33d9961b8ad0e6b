"""The deflated Sharpe ratio (Bailey & López de Prado, "The Deflated Sharpe Ratio", J. Portfolio Management 2014).

With N trials (here signatures × runs: every run on the board is one strategy tried), the expected maximum of N
Sharpe ratios under the null of no skill is

    SR0 = sqrt(V) · ((1 - γ) · Φ⁻¹(1 - 1/N) + γ · Φ⁻¹(1 - 1/(N·e)))

(γ = 0.5772… the Euler–Mascheroni constant, V the variance of the N trials' Sharpe ratios), and

    DSR = Φ( (SR - SR0) · sqrt(T - 1) / sqrt(1 - γ₃·SR + (γ₄ - 1)/4 · SR²) )

the probability that the true Sharpe ratio is above SR0, for an observed SR over T returns with skewness γ₃ and
(non-excess) kurtosis γ₄. Every Sharpe ratio here is per period (daily, not annualised). With N = 1 (or V
undefined) SR0 = 0 and the DSR is the probabilistic Sharpe ratio against 0. The paper's example (SR = 2.5/√250,
T = 1250, γ₃ = -3, γ₄ = 10, N = 100, V = 0.5/250) gives SR0 ≈ 0.1132 and DSR ≈ 0.9004 (tests/unit/leaderboard).
"""

from __future__ import annotations

import math
from statistics import NormalDist

EULER_GAMMA = 0.5772156649015329
_N = NormalDist()


def expected_max_sharpe(trials: int, variance: float) -> float:
    """SR0 of N = `trials` Sharpe ratios with cross-trial `variance` (0 when N < 2 or the variance is not > 0)."""
    if trials < 2 or not variance > 0:
        return 0.0
    z = (1 - EULER_GAMMA) * _N.inv_cdf(1 - 1 / trials) + EULER_GAMMA * _N.inv_cdf(1 - 1 / (trials * math.e))
    return math.sqrt(variance) * z


def deflated_sharpe(sharpe: float, days: int, skew: float, kurtosis: float, sr0: float) -> float | None:
    """DSR of a per-period `sharpe` over `days` returns against the threshold `sr0` (None when undefined)."""
    if days < 2 or not math.isfinite(sharpe):
        return None
    denom = 1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe**2
    if not denom > 0 or not math.isfinite(denom):
        return None
    return _N.cdf((sharpe - sr0) * math.sqrt(days - 1) / math.sqrt(denom))

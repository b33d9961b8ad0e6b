"""The stationary bootstrap over trading days (Politis & Romano 1994), via `arch.bootstrap.StationaryBootstrap`.

Days are resampled in blocks of random length (geometric, mean `block`), wrapping around the end, which keeps the
short-range dependence of daily returns that an i.i.d. bootstrap would destroy. The expected block length is
`block_length(n)` = max(1, round(n ** (1/3))) days (the usual n^(1/3) rate; 6 for 250 days) and the generator is
seeded (`seed`, default 0), so the same data always gives the same interval. Intervals are percentile intervals
(2.5 % and 97.5 % quantiles of the `reps` replicates, default 1000).

- **Excess over QQQ** (`excess`): daily excess e_t = r̄_t - q_t, r̄_t the signature's return on day t averaged over
  its runs and q_t QQQ's return that day. Reported: `annualized` = 252 · mean(e) with its bootstrap interval, and
  `p_beat` = the share of replicates whose mean excess is > 0 (the bootstrap probability that the signature's
  expected daily return is above QQQ's).
- **Metric intervals from days** (`metric_intervals`, used when a signature has one run): each replicate's
  resampled return path gives the four `runstats` metrics; their percentile intervals are those metrics' intervals.
"""

from __future__ import annotations

import math

import numpy as np
from arch.bootstrap import StationaryBootstrap

from .runstats import METRICS, metrics

REPS = 1000
SEED = 0


def block_length(n: int) -> int:
    return max(1, round(n ** (1 / 3)))


def indices(n: int, reps: int = REPS, seed: int = SEED) -> np.ndarray:
    """reps × n day indices of the stationary bootstrap (the same for the same n, reps and seed)."""
    bs = StationaryBootstrap(block_length(n), np.arange(n), seed=seed)
    return np.array([pos[0] for pos, _ in bs.bootstrap(reps)], dtype=np.intp).reshape(reps, n)


def _interval(x: np.ndarray) -> tuple[float | None, float | None]:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return None, None
    lo, hi = np.quantile(x, [0.025, 0.975])
    return float(lo), float(hi)


def excess(runs: np.ndarray, benchmark: np.ndarray, idx: np.ndarray) -> dict[str, float | None]:
    """runs: K × n returns, benchmark: n returns of QQQ on the same days, idx: `indices(n)`."""
    e = runs.mean(axis=0) - benchmark
    reps = e[idx].mean(axis=1)
    lo, hi = _interval(reps * 252)
    point = float(e.mean() * 252) if e.size else None
    return {
        "annualized": point if point is None or math.isfinite(point) else None,
        "ci_low": lo,
        "ci_high": hi,
        "p_beat": float((reps > 0).mean()) if reps.size else None,
    }


def metric_intervals(r: np.ndarray, idx: np.ndarray, risk_free_rate: float = 0.0) -> dict[str, tuple]:
    """{metric: (low, high)} from resampled paths of one run's returns `r` (n days)."""
    got = metrics(r[idx], risk_free_rate)
    return {m: _interval(got[m]) for m in METRICS}

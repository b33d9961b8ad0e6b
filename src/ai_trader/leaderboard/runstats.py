"""Per-run metrics (vectorised over runs or bootstrap replicates) and their mean and interval across runs.

For daily returns r_1..r_n of one run (the last axis of the array), as `ledger/metrics.py` defines them:
- cumulative_return   R = prod(1 + r_t) - 1
- annualized_return   (1 + R) ** (252 / n) - 1                      (NaN when R <= -1)
- sharpe              mean(r - rf_d) / stdev(r) * sqrt(252), sample stdev (ddof 1), rf_d = rf / 252
                                                                     (NaN when n < 2 or stdev = 0)
- max_drawdown        min_t (V_t / max_{s<=t} V_s - 1) of V_t = prod_{s<=t}(1 + r_s), V_0 = 1 counting as a peak
On the same days these equal the ledger's metrics of that run (tests/unit/leaderboard check it).

Across K runs (`across_runs`): the mean and the 95 % Student-t interval mean ± t_{0.975, K-1} · s / sqrt(K), s the
sample stdev of the K per-run values — it treats the runs as independent draws of the same model (they are
independent chains) and the metric as roughly normal across them. Runs whose metric is undefined (NaN) are left
out of the mean; fewer than two defined values give no interval (see `bootstrap.metric_intervals` for K = 1).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

TRADING_DAYS = 252
METRICS = ("cumulative_return", "annualized_return", "sharpe", "max_drawdown")


def metrics(r: np.ndarray, risk_free_rate: float = 0.0) -> dict[str, np.ndarray]:
    """{metric: array of r.shape[:-1]} for returns `r` (days on the last axis)."""
    n = r.shape[-1]
    growth = np.cumprod(1.0 + r, axis=-1)
    cum = growth[..., -1] - 1.0 if n else np.zeros(r.shape[:-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        ann = np.where(cum > -1.0, np.power(np.maximum(1.0 + cum, 0.0), TRADING_DAYS / max(n, 1)) - 1.0, np.nan)
        if n >= 2:
            sd = r.std(axis=-1, ddof=1)
            mean = (r - risk_free_rate / TRADING_DAYS).mean(axis=-1)
            sharpe = np.where(sd > 1e-15, mean / np.where(sd > 1e-15, sd, 1.0) * math.sqrt(TRADING_DAYS), np.nan)
        else:
            sharpe = np.full(r.shape[:-1], np.nan)
        peak = np.maximum(np.maximum.accumulate(growth, axis=-1), 1.0)
        dd = (growth / peak - 1.0).min(axis=-1) if n else np.zeros(r.shape[:-1])
    return {
        "cumulative_return": cum,
        "annualized_return": ann,
        "sharpe": sharpe,
        "max_drawdown": np.minimum(dd, 0.0),
    }


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def across_runs(values: np.ndarray, level: float = 0.95) -> dict[str, float | None]:
    """{"mean", "ci_low", "ci_high"} of per-run `values` (NaN left out); no interval with < 2 defined values."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"mean": None, "ci_low": None, "ci_high": None}
    mean = float(v.mean())
    if v.size < 2:
        return {"mean": mean, "ci_low": None, "ci_high": None}
    half = float(stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half}


def per_run(values: np.ndarray) -> list[float | None]:
    return [_num(float(x)) for x in values]

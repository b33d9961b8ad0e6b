"""Per-signature statistics of the leaderboard (what `/performance` adds under each row's `statistics`).

Input: for each signature its runs (each `(initial, [(date, value)])`, run 1 first) and the QQQ benchmark series.
For each signature, on the trading days all its runs have (`returns.common_days`):
- `metrics`: per metric (`runstats.METRICS`) the per-run values, their mean and a 95 % interval — across runs
  (Student t) when there are ≥ 2 runs, else from the days alone (stationary bootstrap of the one run's returns);
  `interval_method` says which ("runs" or "days") and `note` says so in words when it is "days";
- `excess`: the annualised mean daily excess return over QQQ with its bootstrap interval and `p_beat`;
- `tier`: its tier number (`tiers`), over the days every signature has;
- `deflated_sharpe`: the DSR of its run-averaged daily returns, the trials being every run on the board.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import bootstrap, deflated, runstats, tiers
from .returns import Series, common_days, matrix, returns_by_date

NOTE_DAYS = "one run: intervals come from the trading days alone (stationary bootstrap), not from repeated runs"


def board_statistics(
    runs_by_signature: Mapping[str, Sequence[Series]],
    benchmark: Series | None,
    *,
    risk_free_rate: float = 0.0,
    reps: int = bootstrap.REPS,
    seed: int = bootstrap.SEED,
) -> dict[str, Any]:
    """{"by_signature": {sig: {...}}, "trials", "tier_days", "method": {...}} (see the module docstring)."""
    bench = returns_by_date(benchmark) if benchmark else None
    aligned: dict[str, tuple[list[str], np.ndarray]] = {}
    for sig, runs in runs_by_signature.items():
        by_date = [returns_by_date(run) for run in runs]
        days = common_days(by_date)
        aligned[sig] = (days, matrix(by_date, days))
    trials = sum(m.shape[0] for _, m in aligned.values())
    per_period = [
        float(x) for _, m in aligned.values() for x in runstats.metrics(m, risk_free_rate)["sharpe"] / np.sqrt(252)
    ]
    defined = [x for x in per_period if np.isfinite(x)]
    sr0 = deflated.expected_max_sharpe(trials, float(np.var(defined, ddof=1)) if len(defined) > 1 else 0.0)
    cache: dict[int, np.ndarray] = {}

    def idx(n: int) -> np.ndarray:
        if n not in cache:
            cache[n] = bootstrap.indices(n, reps, seed)
        return cache[n]

    out = {sig: _signature(days, m, bench, idx, risk_free_rate, sr0) for sig, (days, m) in aligned.items()}
    tier_days = common_days(d for d, _ in aligned.values()) if aligned else []
    if aligned and tier_days:
        cols = [_mean_on(days, m, tier_days) for days, m in aligned.values()]
        got = tiers.tiers(np.column_stack(cols), reps=reps, seed=seed)
    else:
        got = None
    for i, sig in enumerate(aligned):
        out[sig]["tier"] = got[i] if got else None
    return {
        "by_signature": out,
        "trials": trials,
        "tier_days": len(tier_days),
        "expected_max_sharpe": sr0,
        "method": {
            "confidence": 0.95,
            "bootstrap": "stationary",
            "reps": reps,
            "seed": seed,
            "tiers": f"model confidence set (Hansen), size {tiers.SIZE}, losses = -daily returns",
        },
    }


def _mean_on(days: list[str], m: np.ndarray, on: list[str]) -> np.ndarray:
    pos = {d: i for i, d in enumerate(days)}
    return m[:, [pos[d] for d in on]].mean(axis=0)


def _signature(days, m, bench, idx, rf, sr0) -> dict[str, Any]:
    k, n = m.shape
    values = runstats.metrics(m, rf)
    row: dict[str, Any] = {"runs": k, "days": n, "interval_method": "runs" if k > 1 else "days"}
    if k == 1:
        row["note"] = NOTE_DAYS
    ints = bootstrap.metric_intervals(m[0], idx(n), rf) if k == 1 and n >= 2 else {}
    row["metrics"] = {}
    for name in runstats.METRICS:
        agg = runstats.across_runs(values[name])
        if k == 1:
            agg["ci_low"], agg["ci_high"] = ints.get(name, (None, None))
        row["metrics"][name] = {**agg, "per_run": runstats.per_run(values[name])}
    row["excess"] = _excess(days, m, bench, idx)
    mean = m.mean(axis=0)
    sharpe = runstats.metrics(mean, rf)["sharpe"] / np.sqrt(252)
    if n >= 3 and np.isfinite(sharpe) and mean.std() > 0:
        skew, kurt = _moments(mean)
        row["deflated_sharpe"] = deflated.deflated_sharpe(float(sharpe), n, skew, kurt, sr0)
    else:
        row["deflated_sharpe"] = None
    return row


def _moments(x: np.ndarray) -> tuple[float, float]:
    """(skewness, non-excess kurtosis) with population moments (as scipy.stats.skew/kurtosis, bias=True)."""
    d = x - x.mean()
    m2 = float((d**2).mean())
    return float((d**3).mean()) / m2**1.5, float((d**4).mean()) / m2**2


def _excess(days, m, bench, idx) -> dict[str, Any] | None:
    if bench is None:
        return None
    on = [i for i, d in enumerate(days) if d in bench]
    if len(on) < 2:
        return None
    q = np.array([bench[days[i]] for i in on])
    return {"days": len(on), **bootstrap.excess(m[:, on], q, idx(len(on)))}

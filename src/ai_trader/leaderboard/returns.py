"""Daily returns aligned on common trading days.

A run is `(initial, [(date, end-of-day value), ...])` (oldest first), as the ledger stores it: the value before the
first day (`initial`) and one value per committed trading day. Its daily simple returns are
r_t = v_t / v_{t-1} - 1 with v_0 = initial (`ledger/metrics.py`). Runs of one signature are compared on the dates
every run has (`common_days`); a run's return on a date uses its previous *committed* value, so a date missing
from one run drops only that date, not the returns around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

Series = tuple[float, Sequence[tuple[str, float]]]  # (initial, [(date, value)])


def returns_by_date(run: Series) -> dict[str, float]:
    """{date: r_date} of one run (0 when the previous value is 0, like `ledger/metrics.daily_returns`)."""
    initial, values = run
    out: dict[str, float] = {}
    prev = initial
    for date, v in values:
        out[date] = v / prev - 1 if prev else 0.0
        prev = v
    return out


def common_days(by_date: Iterable[Iterable[str]]) -> list[str]:
    """The sorted dates present in every mapping (or list of dates); empty when there is none."""
    days: set[str] | None = None
    for m in by_date:
        days = set(m) if days is None else days & set(m)
    return sorted(days or ())


def matrix(by_date: Sequence[Mapping[str, float]], days: Sequence[str]) -> np.ndarray:
    """runs × days array of returns on `days` (each mapping must have them all)."""
    return np.array([[m[d] for d in days] for m in by_date], dtype=float).reshape(len(by_date), len(days))

"""Knowledge cutoffs in results and performance (README "Results and metrics").

A model-day on or before its signature's cutoff date (a model entry's `knowledge_cutoff`; YYYY-MM covers that whole
month) is "in training window": the model may have seen that day's prices while it was trained. Next to the metrics
of all days, `post_cutoff` gives the same metrics over the days after the cutoff alone, starting from the value of
the last day on or before it (else the range's starting value), with the trades of those days.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..ledger.metrics import compute_metrics
from ..store import ledger as ledger_store
from ..store.cutoffs import CutoffRow


def in_training_window(cutoff: CutoffRow, date: str) -> bool:
    return date <= cutoff.cutoff_date


def post_cutoff(
    cutoff: CutoffRow,
    values: Sequence[tuple[str, float]],
    initial: float,
    initial_date: str | None,
    trades: int,
    risk_free_rate: float,
) -> dict[str, Any]:
    """`{"days", "first_date", "metrics"}` over the days after the cutoff (metrics None when there are none)."""
    post = [(d, v) for d, v in values if d > cutoff.cutoff_date]
    before = [(d, v) for d, v in values if d <= cutoff.cutoff_date]
    if not post:
        return {"days": 0, "first_date": None, "metrics": None}
    start_value, start_date = (before[-1][1], before[-1][0]) if before else (initial, initial_date)
    m = compute_metrics(post, start_value, trades=trades, risk_free_rate=risk_free_rate, start_date=start_date)
    return {"days": len(post), "first_date": post[0][0], "metrics": m.to_dict()}


def cutoff_fields(
    cutoff: CutoffRow | None,
    values: Sequence[tuple[str, float]],
    initial: float,
    initial_date: str | None,
    post_trades: int,
    risk_free_rate: float,
) -> dict[str, Any]:
    """A range's or leaderboard row's cutoff fields: `knowledge_cutoff`, `training_window_days`, `post_cutoff`."""
    if cutoff is None:
        return {"knowledge_cutoff": None, "training_window_days": 0, "post_cutoff": None}
    return {
        "knowledge_cutoff": cutoff.knowledge_cutoff,
        "training_window_days": sum(1 for d, _ in values if in_training_window(cutoff, d)),
        "post_cutoff": post_cutoff(cutoff, values, initial, initial_date, post_trades, risk_free_rate),
    }


def post_cutoff_trades(
    conn: Any, cutoffs: dict[str, CutoffRow], by_sig: dict[str, list[Any]], end: str | None
) -> dict[str, int]:
    """Each signature with a cutoff (and days after it): its trades on the days after the cutoff, up to `end`."""
    out: dict[str, int] = {}
    for sig, series in by_sig.items():
        c = cutoffs.get(sig)
        first = next((d.date for d in series if not in_training_window(c, d.date)), None) if c else None
        if first is not None:
            out[sig] = ledger_store.trade_counts(conn, first, end, [sig]).get(sig, 0)
    return out

"""The leaderboard: per-signature metrics over a range (default: everything committed), sorted by cumulative
return (best first), plus the QQQ buy-and-hold benchmark over the union of the signatures' days.

Each signature starts the range from its previous committed value (or its initial cash); the benchmark starts from
the most common starting value so its value line is comparable. Metric formulas: `ledger/metrics.py`. Each row
also has the signature's `turnover` and `cost_sensitivity` (its cumulative return re-valued at 0, 5, 10 and 25 bps
per side on its actual trades, an approximation: `ledger/sensitivity.py`).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from ..errors import InvalidDate
from ..ledger.metrics import compute_metrics
from ..ledger.sensitivity import cost_sensitivity
from ..store import Store, tool_use
from ..store import cutoffs as cutoff_store
from ..store import ledger as ledger_store
from ..store.turnover import traded_notional
from ..timeutil import parse_date
from .cutoffs import cutoff_fields, post_cutoff_trades
from .results import benchmark_metrics, by_signature, check_model

if TYPE_CHECKING:
    from ..market.prices import PriceView


def performance(
    store: Store,
    prices: PriceView | None,
    start: str | None = None,
    end: str | None = None,
    models: list[str] | None = None,
    risk_free_rate: float = 0.0,
) -> dict[str, Any]:
    """`{"start_date", "end_date", "leaderboard": [{"rank", "model", "first_date", "last_date", "days",
    "final_value", "metrics", "tool_use"}], "benchmark": {...} | None, "count"}` (empty leaderboard when nothing is
    committed)."""
    if start is not None:
        parse_date(start, "start_date")
    if end is not None:
        parse_date(end, "end_date")
    if start and end and start > end:
        raise InvalidDate(f"start_date {start} is after end_date {end}", {"start_date": start, "end_date": end})
    for model in models or []:
        check_model(model)
    with store.read() as conn:
        found = ledger_store.day_values(conn, start, end, models or None)  # values only: no positions decoded
        counts = ledger_store.trade_counts(conn, start, end, models or None)
        notional = traded_notional(conn, start, end, models or None)
        by_sig, starts = by_signature(conn, found, prices)
        used = tool_use.tool_use_by_signature(conn, start, end, models or None)
        cut = cutoff_store.cutoffs(conn)
        post_trades = post_cutoff_trades(conn, cut, by_sig, end)
    board = []
    for sig, series in by_sig.items():
        initial, initial_date = starts[sig]
        values = [(d.date, d.portfolio_value) for d in series]
        m = compute_metrics(
            values, initial, trades=counts.get(sig, 0), risk_free_rate=risk_free_rate, start_date=initial_date
        )
        board.append(
            {
                "model": sig,
                "first_date": series[0].date,
                "last_date": series[-1].date,
                "days": len(series),
                "final_value": series[-1].portfolio_value,
                "metrics": m.to_dict(),
                **cost_sensitivity(values, initial, notional.get(sig, {})),
                # the share of days that never used a tool (store/tool_use.py); null without recorded sessions
                "tool_use": used.get(sig),
                # the model's knowledge cutoff and the metrics of the days after it alone (service/cutoffs.py)
                **cutoff_fields(cut.get(sig), values, initial, initial_date, post_trades.get(sig, 0), risk_free_rate),
            }
        )
    board.sort(key=lambda r: (-r["metrics"]["cumulative_return"], r["model"]))
    for i, r in enumerate(board, 1):
        r["rank"] = i
    all_days = sorted({d.date for d in found})
    initial = Counter(v for v, _ in starts.values()).most_common(1)[0][0] if starts else 0.0
    return {
        "start_date": start or (all_days[0] if all_days else None),
        "end_date": end or (all_days[-1] if all_days else None),
        "leaderboard": board,
        "benchmark": benchmark_metrics(prices, all_days, initial, risk_free_rate),
        "count": len(board),
    }

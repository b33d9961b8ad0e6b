"""The leaderboard: per-signature metrics over a range (default: everything committed), sorted by cumulative
return (best first), plus the QQQ buy-and-hold benchmark over the union of the signatures' days.

Each signature starts the range from its previous committed value (or its initial cash); the benchmark starts from
the most common starting value so its value line is comparable. Metric formulas: `ledger/metrics.py`. Each row
also has the signature's `turnover` and `cost_sensitivity` (its cumulative return re-valued at 0, 5, 10 and 25 bps
per side on its actual trades, an approximation: `ledger/sensitivity.py`).

Each row's `statistics` (additive) are the leaderboard statistics of `leaderboard/board.py`: per-run values, means
and 95 % intervals, the excess over QQQ with its bootstrap interval and `p_beat`, the tier and the deflated Sharpe
ratio; the top-level `statistics` say how they were computed (trials, seed, replicates, tier days). Each row's
`inference` (additive): what its days cost to infer, and its excess return over QQQ per dollar (`inference.py`).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from .. import runs
from ..errors import InvalidDate
from ..leaderboard.returns import Series, returns_by_date
from ..ledger.metrics import benchmark_series, compute_metrics
from ..ledger.sensitivity import cost_sensitivity
from ..store import Store, tool_use
from ..store import cutoffs as cutoff_store
from ..store import ledger as ledger_store
from ..store.inference import inference_by_signature
from ..store.turnover import traded_notional
from ..timeutil import parse_date
from .cutoffs import cutoff_fields, post_cutoff_trades
from .inference import compounded, inference_body
from .results import BENCHMARK, benchmark_metrics, by_signature, check_model

if TYPE_CHECKING:
    from ..market.prices import PriceView


def performance(
    store: Store,
    prices: PriceView | None,
    start: str | None = None,
    end: str | None = None,
    models: list[str] | None = None,
    risk_free_rate: float = 0.0,
    run: int | None = None,
) -> dict[str, Any]:
    """`{"start_date", "end_date", "leaderboard": [{"rank", "model", "first_date", "last_date", "days",
    "final_value", "metrics", "tool_use", "statistics"}], "benchmark": {...} | None, "count", "statistics"}` (empty
    leaderboard when nothing is committed). Rows are the ledgers of run `run` (default 1: the signatures' own);
    without `run` the statistics aggregate every run of each signature, with it only that run."""
    if start is not None:
        parse_date(start, "start_date")
    if end is not None:
        parse_date(end, "end_date")
    if start and end and start > end:
        raise InvalidDate(f"start_date {start} is after end_date {end}", {"start_date": start, "end_date": end})
    for model in models or []:
        check_model(model)
    with store.read() as conn:
        # every run's ledger of the named signatures (none committed: the names themselves, matching nothing)
        keys = (
            ([k for k in ledger_store.signatures(conn) if runs.split_key(k)[0] in models] or models) if models else None
        )
        found = ledger_store.day_values(conn, start, end, keys)  # values only: no positions decoded
        counts = ledger_store.trade_counts(conn, start, end, keys)
        notional = traded_notional(conn, start, end, keys)
        by_sig, starts = by_signature(conn, found, prices)
        used = tool_use.tool_use_by_signature(conn, start, end, keys)
        spent = inference_by_signature(conn, start, end, keys)
        cut = cutoff_store.cutoffs(conn)
        post_trades = post_cutoff_trades(conn, cut, by_sig, end)
    shown = {k: v for k, v in by_sig.items() if runs.split_key(k)[1] == (run or 1)}
    all_days = sorted({d.date for k in shown for d in by_sig[k]})
    bench_initial = Counter(starts[k][0] for k in shown).most_common(1)[0][0] if shown else 0.0
    grouped: dict[str, list[tuple[int, Series]]] = {}
    for key, series in by_sig.items():
        sig, k = runs.split_key(key)
        if runs.ledger_key(sig, run or 1) in shown and (run is None or k == run):
            grouped.setdefault(sig, []).append((k, (starts[key][0], [(d.date, d.portfolio_value) for d in series])))
    ordered = {sig: [s for _, s in sorted(got, key=lambda x: x[0])] for sig, got in grouped.items()}
    from ..leaderboard.board import board_statistics  # numpy/scipy/arch: imported on first use, not at start-up

    bench = _benchmark(prices, all_days, bench_initial)
    stats = board_statistics(ordered, bench, risk_free_rate=risk_free_rate)
    bench_r = returns_by_date(bench) if bench else None
    board = []
    for key, series in shown.items():
        initial, initial_date = starts[key]
        values = [(d.date, d.portfolio_value) for d in series]
        m = compute_metrics(
            values, initial, trades=counts.get(key, 0), risk_free_rate=risk_free_rate, start_date=initial_date
        )
        board.append(
            {
                **runs.label({"model": key}),
                "first_date": series[0].date,
                "last_date": series[-1].date,
                "days": len(series),
                "final_value": series[-1].portfolio_value,
                "metrics": m.to_dict(),
                **cost_sensitivity(values, initial, notional.get(key, {})),
                # the share of days that never used a tool (store/tool_use.py); null without recorded sessions
                "tool_use": used.get(key),
                # the model's knowledge cutoff and the metrics of the days after it alone (service/cutoffs.py)
                **cutoff_fields(
                    cut.get(runs.split_key(key)[0]),
                    values,
                    initial,
                    initial_date,
                    post_trades.get(key, 0),
                    risk_free_rate,
                ),
                "statistics": stats["by_signature"][runs.split_key(key)[0]],
                "inference": inference_body(
                    spent.get(key),
                    len(series),
                    m.cumulative_return,
                    compounded(bench_r, [d.date for d in series]) if bench_r else None,
                ),
            }
        )
    board.sort(key=lambda r: (-r["metrics"]["cumulative_return"], r["model"]))
    for i, r in enumerate(board, 1):
        r["rank"] = i
    return {
        "start_date": start or (all_days[0] if all_days else None),
        "end_date": end or (all_days[-1] if all_days else None),
        "leaderboard": board,
        "benchmark": benchmark_metrics(prices, all_days, bench_initial, risk_free_rate),
        "count": len(board),
        "statistics": {k: v for k, v in stats.items() if k != "by_signature"},
    }


def _benchmark(prices: PriceView | None, days: list[str], initial: float):
    """QQQ's (initial, [(date, value)]) over `days` (`ledger/metrics.benchmark_series`), None without prices."""
    if prices is None or not days:
        return None
    got = benchmark_series(prices, prices.benchmark or BENCHMARK, days, initial)
    return (got[1], got[2]) if got else None

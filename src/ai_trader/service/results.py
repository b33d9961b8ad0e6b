"""Results of committed model-days, for one date or a range (what `GET /results` and `ai-trader results` answer).

Positions are the end-of-day snapshot with `CASH`, zero holdings omitted. `detail="full"` adds the day's trades,
the session summary (`ai_reasoning`), token usage and `log_file_path`, the real path of the day's AI-Trader
`log.jsonl` (`<agent_data_dir>/<signature>/log/<date>/log.jsonl`, DATA_DIR/agent_data as configured; null when the
day has no recorded session, hence no file). A range adds per-model metrics (`ledger/metrics.py`) and the QQQ
buy-and-hold benchmark over the same days. A `job_id` that names no job is 404 `not_found`; an existing job without
matching days is 404 `no_data`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import runs
from ..config import SIGNATURE_RE
from ..errors import FixTheRequest, InvalidDate, NoData, NotFound, UnknownModel
from ..exports import log_path
from ..ledger.metrics import benchmark_buy_and_hold, compute_metrics
from ..store import Store, tool_use
from ..store import cutoffs as cutoff_store
from ..store import events as event_store
from ..store import failed as failed_store
from ..store import jobs as job_store
from ..store import ledger as ledger_store
from ..store import records as record_store
from ..store.cutoffs import CutoffRow
from ..store.events import LedgerEvent
from ..timeutil import parse_date
from .cutoffs import cutoff_fields, in_training_window

if TYPE_CHECKING:
    from ..market.prices import PriceView

DETAILS = ("minimal", "full")
BENCHMARK = "QQQ"
DEFAULT_AGENT_DATA = Path("data/agent_data")  # DATA_DIR's default + agent_data


def check_model(model: str | None) -> str | None:
    if model is not None and not SIGNATURE_RE.match(model):
        raise UnknownModel(f"model {model!r} is not a valid signature", {"model": model[:100]})
    return model


def check_detail(detail: str) -> str:
    if detail not in DETAILS:
        raise FixTheRequest(f"detail must be 'minimal' or 'full', got {detail!r}", {"field": "detail"})
    return detail


def positions_of(day: ledger_store.ModelDayRow) -> dict[str, float]:
    """End-of-day holdings (zero omitted) plus CASH."""
    out: dict[str, float] = {s: n for s, n in sorted(day.positions.items()) if n}
    out["CASH"] = day.cash
    return out


def daily_pnl(day: ledger_store.ModelDayRow) -> dict[str, float]:
    return {"profit": day.profit, "return_pct": day.return_pct, "portfolio_value": day.portfolio_value}


def log_file_path(agent_data_dir: Path, signature: str, date: str) -> str:
    """Where the day's log.jsonl is written (`exports.log_path`), as a string."""
    return str(log_path(agent_data_dir, signature, date))


def check_job(conn, job_id: str | None) -> None:
    """404 `not_found` when `job_id` is given and names no job."""
    if job_id is not None and job_store.job(conn, job_id) is None:
        raise _job_not_found(job_id)


def _job_not_found(job_id: str) -> NotFound:
    return NotFound(f"Job {str(job_id)[:100]} not found", {"job_id": str(job_id)[:100]})


def _full(
    day: ledger_store.ModelDayRow,
    trades: list[ledger_store.TradeRow],
    session: record_store.SessionSummaryRow | None,
    agent_data_dir: Path,
    events: list[LedgerEvent],
) -> dict[str, Any]:
    return {
        "corporate_actions": [e.to_dict() for e in events],  # splits applied to the holdings before the session
        "trades": [
            {"id": t.id, "action": t.action, "symbol": t.symbol, "amount": t.amount, "price": t.price, "total": t.total}
            | {"fill_price": t.fill_price, "commission": t.commission, "slippage": t.slippage, "fee": t.fee}
            for t in trades
        ],
        "ai_reasoning": {
            "total_steps": session.total_steps if session else 0,
            "stop_signal_received": session.stop_signal_received if session else False,
            "reasoning_summary": session.reasoning_summary if session else "",
            "tool_usage": dict(session.tool_usage) if session else {},
            # no tool call, or the finish signal on step 1 (store/tool_use.py); null for baselines and no session
            "no_tool_use": _flag(session),
        },
        "usage": {
            "prompt_tokens": session.prompt_tokens if session else 0,
            "completion_tokens": session.completion_tokens if session else 0,
            "cost_usd": session.cost_usd if session else 0.0,
        },
        "log_file_path": log_file_path(agent_data_dir, day.signature, day.date) if session else None,
    }


def _flag(session: record_store.SessionSummaryRow | None) -> str | None:
    if session is None:
        return None
    return tool_use.no_tool_use_reason(
        session.provider, session.total_steps, session.stop_signal_received, session.tool_usage
    )


def _day_item(
    head: dict[str, Any],
    day: ledger_store.ModelDayRow,
    detail: str,
    trades: dict[int, list[ledger_store.TradeRow]],
    sessions: dict[int, record_store.SessionSummaryRow],
    agent_data_dir: Path,
    events: dict[int, list[LedgerEvent]] | None = None,
    cutoff: CutoffRow | None = None,
) -> dict[str, Any]:
    """`head` plus the day's positions and daily P&L (and `in_training_window` when the signature has a knowledge
    cutoff), plus the full detail when `detail == "full"`."""
    item = {**head, "positions": positions_of(day), "daily_pnl": daily_pnl(day)}
    if cutoff is not None:
        item["in_training_window"] = in_training_window(cutoff, day.date)
    if detail == "full":
        day_events = (events or {}).get(day.id, [])
        item.update(_full(day, trades[day.id], sessions.get(day.id), agent_data_dir, day_events))
    return item


def _no_data(what: str, model: str | None, job_id: str | None, failed: dict[str, Any] | None = None) -> NoData:
    msg = f"No results for {what}" + (f" and model {model}" if model else " (any model)")
    if job_id:
        msg += f" in job {job_id}"
    if failed:
        msg += f"; {len(failed['failed_attempts'])} failed attempt(s), see details.failed_attempts"
    details: dict[str, Any] = {"model": model, **(failed or {})}
    if job_id:
        details["job_id"] = job_id
    return NoData(msg, details)


def _failed(conn, start: str, end: str, model: str | None, job_id: str | None) -> dict[str, Any]:
    """`{"failed_attempts": [...]}` when a day of the query has failed attempts (store/failed.py: their conversation
    is kept, never a committed day, so never in `results` or the metrics), else {} (the body of before)."""
    found = failed_store.failed_between(conn, start, end, model, job_id)
    if not found:
        return {}
    return {
        "failed_attempts": [{"model": f.signature, "date": f.date, "job_id": f.job_id, **f.reference()} for f in found]
    }


def results_for_date(
    store: Store,
    date: str,
    model: str | None = None,
    detail: str = "minimal",
    job_id: str | None = None,
    *,
    agent_data_dir: Path = DEFAULT_AGENT_DATA,
    run: int | None = None,
) -> dict[str, Any]:
    """`{"date", "results": [{"model", "positions", "daily_pnl", ...full}]}`; NoData when nothing matches. `run`:
    that run of repeated runs (default run 1, the signature's own ledger; `runs.py`)."""
    parse_date(date, "date")
    check_model(model)
    check_detail(detail)
    with store.read() as conn:
        check_job(conn, job_id)
        found = of_run(ledger_store.model_days(conn, run_key(model, run), date, date, job_id=job_id), run)
        failed = _failed(conn, date, date, run_key(model, run), job_id)
        if not found:
            err = _no_data(f"date {date}", model, job_id, failed)
            err.details["date"] = date
            raise err
        ids = [d.id for d in found]
        trades = ledger_store.trades_for(conn, ids) if detail == "full" else {}
        events = event_store.events_for(conn, ids) if detail == "full" else {}
        sessions = record_store.sessions_for(conn, ids) if detail == "full" else {}
        cut = cutoff_store.cutoffs(conn)
    results = [
        _day_item(
            runs.label({"model": d.signature}),
            d,
            detail,
            trades,
            sessions,
            agent_data_dir,
            events,
            cut.get(runs.split_key(d.signature)[0]),
        )
        for d in found
    ]
    return {"date": date, "results": results, **failed}


def run_key(model: str | None, run: int | None) -> str | None:
    """The ledger key of `model`'s run `run` (None: no model filter)."""
    return runs.ledger_key(model, run or 1) if model is not None else None


def of_run(found: list[Any], run: int | None) -> list[Any]:
    """The days (`ModelDayRow` or `DayValue`) of ledgers of run `run` (default 1)."""
    return [d for d in found if runs.split_key(d.signature)[1] == (run or 1)]


def start_value(
    conn, signature: str, first: ledger_store.ModelDayRow | ledger_store.DayValue, prices: PriceView | None = None
) -> tuple[float, str]:
    """The value before a range's first day and its date (v0 of the metrics, the drawdown's first peak): the
    previous committed value and day, else the initial cash dated the trading day before the first day (the
    calendar day before when the price calendar has none)."""
    before = ledger_store.day_before(conn, signature, first.date)
    if before is not None:
        return before.portfolio_value, before.date
    prev = prices.previous_trading_day(first.date) if prices is not None else None
    return first.initial_cash, prev or (dt.date.fromisoformat(first.date) - dt.timedelta(days=1)).isoformat()


def by_signature(
    conn, found: list[Any], prices: PriceView | None = None
) -> tuple[dict[str, list[Any]], dict[str, tuple[float, str]]]:
    """The days (`ModelDayRow` or `DayValue`) grouped by signature (order kept) and each signature's value before its
    first day (`start_value`)."""
    series: dict[str, list[ledger_store.ModelDayRow]] = {}
    for d in found:
        series.setdefault(d.signature, []).append(d)
    return series, {sig: start_value(conn, sig, days[0], prices) for sig, days in series.items()}


def model_metrics(
    prices: PriceView | None,
    series: list[ledger_store.ModelDayRow],
    initial: float,
    initial_date: str | None,
    trades: int,
    risk_free_rate: float,
) -> dict[str, Any]:
    """Metrics of one signature's days plus the benchmark over the same days (`metrics["benchmark"]`)."""
    values = [(d.date, d.portfolio_value) for d in series]
    m = compute_metrics(values, initial, trades=trades, risk_free_rate=risk_free_rate, start_date=initial_date)
    out = m.to_dict()
    out["benchmark"] = benchmark_metrics(prices, [d.date for d in series], initial, risk_free_rate)
    return out


def benchmark_metrics(
    prices: PriceView | None, days: list[str], initial: float, risk_free_rate: float
) -> dict[str, Any] | None:
    if prices is None or not days:
        return None
    symbol = prices.benchmark or BENCHMARK
    bm = benchmark_buy_and_hold(prices, symbol, days, initial, risk_free_rate=risk_free_rate)
    if bm is None:
        return None
    return {"symbol": symbol, **bm.to_dict()}


def resolve_range(store: Store, start: str | None, end: str | None, job_id: str | None) -> tuple[str, str]:
    """Explicit [start, end], or with only `job_id` the job's own date range."""
    if start is None and end is None:
        if job_id is None:
            raise InvalidDate("give date, or start_date and end_date, or job_id", {"field": "date"})
        with store.read() as conn:
            job = job_store.job(conn, job_id)
        if job is None:
            raise _job_not_found(job_id)
        job_days = sorted(job.date_range)
        if not job_days:
            raise NoData(f"Job {job_id} has no trading days", {"job_id": job_id})
        return job_days[0], job_days[-1]
    if start is None or end is None:
        missing = "start_date" if start is None else "end_date"
        raise InvalidDate(f"{missing} is required with a range", {"field": missing})
    parse_date(start, "start_date")
    parse_date(end, "end_date")
    if start > end:
        raise InvalidDate(f"start_date {start} is after end_date {end}", {"start_date": start, "end_date": end})
    return start, end


def results_for_range(
    store: Store,
    prices: PriceView | None,
    start: str | None,
    end: str | None,
    model: str | None = None,
    detail: str = "minimal",
    job_id: str | None = None,
    risk_free_rate: float = 0.0,
    *,
    agent_data_dir: Path = DEFAULT_AGENT_DATA,
    run: int | None = None,
) -> dict[str, Any]:
    """`{"start_date", "end_date", "results": [{"model", "days": [...], "metrics": {...}}]}` (`run` as above)."""
    check_model(model)
    check_detail(detail)
    start, end = resolve_range(store, start, end, job_id)
    key = run_key(model, run)
    with store.read() as conn:
        check_job(conn, job_id)
        found = of_run(ledger_store.model_days(conn, key, start, end, job_id=job_id), run)
        failed = _failed(conn, start, end, key, job_id)
        if not found:
            err = _no_data(f"{start} to {end}", model, job_id, failed)
            err.details.update({"start_date": start, "end_date": end})
            raise err
        ids = [d.id for d in found]
        trades = ledger_store.trades_for(conn, ids)
        events = event_store.events_for(conn, ids)
        sessions = record_store.sessions_for(conn, ids) if detail == "full" else {}
        by_sig, starts = by_signature(conn, found, prices)
        used = tool_use.tool_use_by_signature(conn, start, end, [key] if key else None, job_id)
        cut = cutoff_store.cutoffs(conn)
    results = []
    for sig, series in by_sig.items():
        c = cut.get(runs.split_key(sig)[0])
        out_days = [_day_item({"date": d.date}, d, detail, trades, sessions, agent_data_dir, events, c) for d in series]
        initial, initial_date = starts[sig]
        n_trades = sum(len(trades[d.id]) for d in series)
        metrics = model_metrics(prices, series, initial, initial_date, n_trades, risk_free_rate)
        head = runs.label({"model": sig})
        item = {**head, "days": out_days, "metrics": metrics, "tool_use": used.get(sig)}
        if c is not None:  # next to all days: the metrics of the days after the model's knowledge cutoff alone
            post_trades = sum(len(trades[d.id]) for d in series if not in_training_window(c, d.date))
            values = [(d.date, d.portfolio_value) for d in series]
            item.update(cutoff_fields(c, values, initial, initial_date, post_trades, risk_free_rate))
        results.append(item)
    return {"start_date": start, "end_date": end, "results": results, **failed}

"""Execute one model-day: start state -> live session -> competitor (with a timeout) -> ONE commit transaction.

All or nothing: the day's trades, snapshot, daily values and session record (and, through `on_commit`, the job
detail's transition) become visible in one `BEGIN IMMEDIATE` transaction. Until then the only trace is the live
session (intraday book), which is deleted on failure and replaced when the day runs again. A failed day's
conversation so far (messages, per-step timings and tokens, the error) is kept in `failed_sessions` and exported as
`log/<date>/failed-<attempt>.jsonl` — for diagnosis only, never a committed day. The same transaction
removes the signature's committed days after this one (they started from a snapshot this day replaces; see
`store.ledger.commit_model_day`), and their AI-Trader log files go with them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import exports
from ..agents.base import Competitor, PartialSession, SessionResult, Toolbox, partial_session
from ..agents.brief import build_brief
from ..agents.ratelimit import phase_reporter
from ..agents.toolbox import InProcessToolbox
from ..errors import ModelDayFailed
from ..ledger.corporate import apply_actions, describe_dividends, describe_splits
from ..ledger.rules import NO_COSTS, Book, Costs
from ..ledger.valuation import MissingPrice, daily_values, previous_value, value_on
from ..logs import model_day_logger
from ..store import db
from ..store import events as event_store
from ..store import export_backlog as backlog
from ..store import failed as failed_store
from ..store import jobs as job_store
from ..store import ledger as ledger_store
from ..store import sessions as session_store
from ..timeutil import utc_after, utcnow_iso
from ..tools.context import ToolContext, ToolEnv
from . import export_repair

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelDayOutcome:
    model_day_id: int
    signature: str
    date: str
    cash: float
    positions: dict[str, int]
    portfolio_value: float
    profit: float
    return_pct: float
    trades: int
    session: SessionResult
    removed_later: tuple[str, ...] = ()  # the signature's later committed days this commit removed


async def execute_model_day(
    env: ToolEnv,
    *,
    job_id: str | None,
    signature: str,
    date: str,
    competitor: Competitor,
    initial_cash: float,
    timeout_s: float | None,
    agent_data_dir: Path | None = None,
    toolbox_factory: Callable[[ToolContext], Toolbox] | None = None,
    on_commit: Callable[[db.Connection], Any] | None = None,
    on_open: Callable[[db.Connection], Any] | None = None,
    timeout_setting: str = "MODEL_DAY_TIMEOUT_SECONDS",
    costs: Costs = NO_COSTS,
) -> ModelDayOutcome:
    """Run and commit one model-day; raises ModelDayFailed (leaving no trace of the day) on any failure.
    `timeout_setting` names what to change when the day times out (day_timeout()); `costs` (the config's trading
    costs) are bound to the live session, so every trade of the day pays them, in-process or over MCP."""
    mlog = model_day_logger(__name__, job_id, signature, date)
    if not env.prices.is_trading_day(date):
        raise ModelDayFailed(f"{date} is not a trading day with prices")
    token = secrets.token_urlsafe(24)
    try:
        with env.store.write() as conn:
            if on_open is not None:  # e.g. the worker's lease still holds: else nothing opens (IllegalTransition)
                on_open(conn)
            start = ledger_store.start_state(conn, signature, date, initial_cash)
            # applied before the session (ledger/corporate.py), since the snapshot the day starts from
            splits = event_store.splits_on(conn, date, start.previous_date)  # for the prompt: ratios multiplied
            days = event_store.actions_by_day(conn, date, start.previous_date)
            book, events = apply_actions(Book(start.cash, start.positions), days, env.prices.opens(date))
            session_store.open_live_session(
                conn,
                token=token,
                job_id=job_id,
                signature=signature,
                date=date,
                cash=book.cash,
                positions=book.positions,
                commission_bps=costs.commission_bps,
                commission_min=costs.commission_min,
                slippage_bps=costs.slippage_bps,
            )
            event_store.set_session_events(conn, token, events)
    except db.DatabaseError as exc:
        raise ModelDayFailed(f"could not open the trading session: {exc}") from exc
    ctx = ToolContext(signature=signature, date=date, token=token, job_id=job_id)
    reporter = phase_reporter.set(_PhaseWriter(env, ctx) if job_id is not None else None)
    partial = PartialSession()
    exposed = partial_session.set(partial)
    try:
        listed = {s: r for s, r in splits.items() if s in env.prices.tradable_on(date) or s in start.positions}
        actions = "; ".join(n for n in (describe_splits(listed, events, date), describe_dividends(events)) if n)
        notes = (costs.describe(env.trade_fee), actions)
        result = await _run(env, ctx, competitor, book, timeout_s, toolbox_factory, timeout_setting, notes)
        outcome, owed = _commit(env, ctx, start, result, on_commit, exports_owed=agent_data_dir is not None)
    except BaseException as exc:
        _abandon(env, token)
        if not isinstance(exc, Exception):  # cancellation / interrupt: clean up and let it through
            raise
        failure = exc if isinstance(exc, ModelDayFailed) else ModelDayFailed(_describe(exc))
        mlog.warning("model-day failed: %s", failure)
        _keep_failed(env, ctx, competitor, partial, str(failure), agent_data_dir)
        if failure is exc:
            raise
        raise failure from exc
    finally:
        partial_session.reset(exposed)
        phase_reporter.reset(reporter)
    mlog.info("model-day committed: value %.2f, %d trade(s)", outcome.portfolio_value, outcome.trades)
    if outcome.removed_later:
        mlog.warning(
            "removed %d later committed day(s) that started from the replaced snapshot: %s",
            len(outcome.removed_later),
            ", ".join(outcome.removed_later),
        )
    if agent_data_dir is not None and owed is not None:  # a failure is recorded and repaired (jobs/export_repair.py)
        export_repair.after_commit(env.store, agent_data_dir, signature, date, outcome.removed_later, owed)
    return outcome


async def _run(
    env: ToolEnv,
    ctx: ToolContext,
    competitor: Competitor,
    book: Book,
    timeout_s: float | None,
    toolbox_factory: Callable[[ToolContext], Toolbox] | None,
    timeout_setting: str,
    notes: tuple[str, str] = ("", ""),
) -> SessionResult:
    """`book`: the start of the day after its splits; `notes`: the prompt's costs and splits lines."""
    tools = toolbox_factory(ctx) if toolbox_factory else InProcessToolbox(env, ctx)
    brief = build_brief(env.prices, ctx.signature, ctx.date, book.cash, book.positions, ctx.job_id, *notes)
    try:
        result = await asyncio.wait_for(competitor.run_day(brief, tools), timeout_s)
    except TimeoutError:
        raise ModelDayFailed(f"model-day timed out after {timeout_s:g} s (raise {timeout_setting})") from None
    finally:
        close = getattr(tools, "aclose", None)
        if close is not None:
            await close()
    if not isinstance(result, SessionResult):
        raise ModelDayFailed(f"competitor returned {type(result).__name__}, not a SessionResult")
    return result


def _commit(
    env: ToolEnv,
    ctx: ToolContext,
    start: ledger_store.StartState,
    result: SessionResult,
    on_commit: Callable[[db.Connection], Any] | None,
    *,
    exports_owed: bool,
) -> tuple[ModelDayOutcome, tuple[str, bool] | None]:
    """The commit transaction; with `exports_owed`, it also marks the signature's export files owed (cleared once
    they are written: a crash or a failed write in between is repaired later)."""
    with env.store.write() as conn:
        live = session_store.live_session(conn, ctx.token)
        if live is None:
            raise ModelDayFailed("the live session vanished before commit (the same model-day was started again)")
        try:
            value = value_on(env.prices, ctx.date, live.cash, live.positions)
        except MissingPrice as exc:
            raise ModelDayFailed(f"cannot value the portfolio on {ctx.date}: {exc}") from exc
        prev_value = previous_value(
            env.prices, ctx.date, start.previous_date, start.previous_value, start.cash, start.positions
        )
        dv = daily_values(value, prev_value)
        n_trades = len(session_store.staged_trades(conn, ctx.token))
        removed = ledger_store.later_dates(conn, ctx.signature, ctx.date)
        events = event_store.session_events(conn, ctx.token)
        md_id = ledger_store.commit_model_day(
            conn,
            live,
            portfolio_value=dv.portfolio_value,
            profit=dv.profit,
            return_pct=dv.return_pct,
            initial_cash=start.initial_cash,
            session=_fields(result),
        )
        event_store.record_events(conn, md_id, ctx.signature, ctx.date, events)
        if on_commit is not None:
            on_commit(conn)
        owed = backlog.owe(conn, ctx.signature, utcnow_iso()) if exports_owed else None
    outcome = ModelDayOutcome(
        md_id,
        ctx.signature,
        ctx.date,
        live.cash,
        dict(live.positions),
        dv.portfolio_value,
        dv.profit,
        dv.return_pct,
        n_trades,
        result,
        tuple(removed),
    )
    return outcome, owed


def _fields(result: SessionResult) -> dict[str, Any]:
    """The session's fields, shallow (`dataclasses.asdict` deep-copies every message: ~1.5 ms a model-day); the
    commit only serializes them, inside its transaction."""
    return {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}


def day_timeout(model: Any, settings: Any) -> dict[str, Any]:
    """execute_model_day's timeout arguments for a config model entry: its model_day_timeout_s, else the setting."""
    own = getattr(model, "model_day_timeout_s", None)
    if own:
        return {"timeout_s": own, "timeout_setting": f"model_day_timeout_s in the entry of {model.signature!r}"}
    return {"timeout_s": settings.model_day_timeout_seconds, "timeout_setting": "MODEL_DAY_TIMEOUT_SECONDS"}


class _PhaseWriter:
    """Writes what a running model-day waits for (agents/ratelimit.py) on its job detail, for job status."""

    def __init__(self, env: ToolEnv, ctx: ToolContext):
        self.env, self.ctx = env, ctx

    def __call__(self, phase: str | None, wait_s: float | None) -> None:
        until = utc_after(wait_s) if phase and wait_s else None
        with self.env.store.write() as conn:
            job_store.set_detail_phase(conn, self.ctx.job_id, self.ctx.date, self.ctx.signature, phase, until)


def _keep_failed(
    env: ToolEnv,
    ctx: ToolContext,
    competitor: Competitor,
    partial: PartialSession,
    error: str,
    agent_data_dir: Path | None,
) -> None:
    """Store the failed day's session so far (and export it); a problem here is only logged."""
    result = partial.result or SessionResult(provider=getattr(competitor, "provider", "unknown"))
    session = dataclasses.asdict(result)
    try:
        with env.store.write() as conn:
            failed = failed_store.insert_failed_session(
                conn, job_id=ctx.job_id, signature=ctx.signature, date=ctx.date, error=error, session=session
            )
    except db.DatabaseError as exc:
        log.warning("could not store the failed session: %s", exc)
        return
    if agent_data_dir is not None:
        try:
            exports.write_failed_file(env.store, agent_data_dir, failed.id)
        except (OSError, ValueError) as exc:
            log.warning("could not write the failed session's file (written again later): %s", exc)
            export_repair.failed_file_missing(env.store, ctx.signature, exc)


def _abandon(env: ToolEnv, token: str) -> None:
    try:
        with env.store.write() as conn:
            session_store.delete_live_session(conn, token)
    except db.DatabaseError as exc:  # a stale live session is harmless: it is replaced when the day runs again
        log.warning("could not delete live session: %s", exc)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

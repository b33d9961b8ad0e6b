"""Catch-up price refresh: with AUTO_DOWNLOAD_PRICE_DATA and an Alpha Vantage key, a job first downloads the
prices its model-days need, as a visible phase of the job (`jobs.phase` = "fetching_prices", then NULL).

- Planning (`planning_prices`): the trigger plans against a calendar that also holds the XNYS sessions after the
  store's last trading day up to the last closed session (not after the trigger's today), so a catch-up job
  contains the days whose prices are not downloaded yet.
- Running (`refresh_prices`, called by the worker before the model-days): fetch [first, last] pending date for the
  universe and the benchmarks, then check every pending date. Decision: a model-day never runs on partial data.
  Per signature, the first pending date on which a universe symbol lacks a complete bar and every later date of that
  signature become `skipped` (error names the missing symbols, or "blocked by missing price data on <date>"); its
  earlier, complete days run. The job's `error` lists the missing symbols per date (and the fetch failures), and
  its final status follows from the details as usual (`failed` when nothing ran, else `partial`). The next trigger
  resumes from the first skipped day once the data is there.
- The job's model-days are not claimable while `phase` is "fetching_prices" (set when the job starts: the worker
  that starts it fetches). A worker stopping during the fetch skips nothing and leaves the phase: the worker that
  adopts the job fetches again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from ..market.fetch import FetchReport, fetch_prices, missing_on_dates
from ..market.fetch_plan import CatchUpCalendarView, needed_through
from ..settings import Settings
from ..store import Store
from ..store import jobs as job_store
from ..timeutil import utcnow_iso
from . import states

log = logging.getLogger(__name__)
FETCHING_PRICES = "fetching_prices"
_LIST = 10  # symbols named per date in messages


def refresh_enabled(settings: Settings) -> bool:
    return bool(settings.auto_download_price_data and settings.alphaadvantage_api_key)


def planning_prices(prices, settings: Settings, today: dt.date, *, now: dt.datetime | None = None):
    """The price view the trigger plans with (extended by the sessions to download when refresh is enabled)."""
    if not refresh_enabled(settings):
        return prices
    return CatchUpCalendarView(prices, needed_through(today, now or dt.datetime.now(dt.UTC)))


async def refresh_prices(
    store: Store,
    settings: Settings,
    job_id: str,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], object] | None = None,
) -> dict[str, list[str]]:
    """Fetch what the job's pending model-days miss; skip the days still incomplete. Returns date → missing."""
    if not refresh_enabled(settings):
        return {}
    with store.read() as conn:
        pending = job_store.details(conn, job_id, (states.DetailStatus.PENDING,))
    dates = sorted({d.date for d in pending})
    if not dates or not missing_on_dates(store, settings, dates):
        return {}
    _set_phase(store, job_id, FETCHING_PRICES, f"fetching prices for {dates[0]}..{dates[-1]}")
    report: FetchReport
    try:
        kw: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        report = await asyncio.to_thread(
            fetch_prices, store, settings, start=dates[0], end=dates[-1], should_stop=should_stop, **kw
        )
    finally:
        if not should_stop():  # a stopped fetch keeps the phase: no day is claimed before the next worker fetches
            _set_phase(store, job_id, None, "price fetch ended")
    log.info(
        "job %s: price fetch %s..%s: %s",
        job_id,
        dates[0],
        dates[-1],
        report.to_dict()["counts"],
        extra={"job_id": job_id},
    )
    if should_stop():
        return {}
    missing = missing_on_dates(store, settings, dates)
    if missing:
        _skip_incomplete(store, job_id, pending, missing, report)
    return missing


def _set_phase(store: Store, job_id: str, phase: str | None, note: str) -> None:
    with store.write() as conn:
        job_store.set_job_fields(conn, job_id, phase=phase, updated_at=utcnow_iso())
        states.note_job(conn, job_id, note)


def _describe(missing: dict[str, list[str]], report: FetchReport | None) -> str:
    parts = []
    for d, syms in sorted(missing.items()):
        more = f" (+{len(syms) - _LIST} more)" if len(syms) > _LIST else ""
        parts.append(f"{d}: {', '.join(syms[:_LIST])}{more}")
    text = "price data incomplete, not trading on partial data; missing " + "; ".join(parts)
    if report is not None:
        failures = [o for o in report.outcomes if o.status in ("failed", "skipped")]
        if failures:
            text += " | fetch: " + "; ".join(f"{o.symbol}: {o.message}" for o in failures[:_LIST])
            if len(failures) > _LIST:
                text += f" (+{len(failures) - _LIST} more)"
    return text


def _skip_incomplete(
    store: Store,
    job_id: str,
    pending: list[job_store.DetailRow],
    missing: dict[str, list[str]],
    report: FetchReport | None,
) -> None:
    chains: dict[str, list[job_store.DetailRow]] = {}
    for d in sorted(pending, key=lambda d: d.date):
        chains.setdefault(d.model, []).append(d)
    with store.write() as conn:
        job_store.set_job_fields(conn, job_id, error=_describe(missing, report))
        for days in chains.values():
            bad = next((d.date for d in days if d.date in missing), None)
            for d in days:
                if bad is None or d.date < bad:
                    continue
                syms = missing.get(d.date, [])
                error = (
                    f"price data missing on {d.date}: {', '.join(syms[:_LIST])}"
                    + (f" (+{len(syms) - _LIST} more)" if len(syms) > _LIST else "")
                    if d.date == bad
                    else f"blocked by missing price data on {bad}"
                )
                states.transition_detail(conn, d.id, states.DetailStatus.SKIPPED, error=error)
    log.warning("job %s: %s", job_id, _describe(missing, report), extra={"job_id": job_id})

"""The Alpha Vantage downloader: fetch the daily bars the store is missing, paced, retried, reported.

Per symbol (see fetch_plan.py for which days are needed and the outputsize): one TIME_SERIES_DAILY request (or
TIME_SERIES_DAILY_ADJUSTED with ALPHAVANTAGE_DAILY_FUNCTION, whose split coefficients and dividend amounts on the
stored days are recorded as corporate actions with the bars)
(transient failures retried with exponential backoff, every attempt paced and counted against the persisted
budget); the body is parsed and validated by the importer (`formats.parse_text`, `importers.import_bars`), so a
downloaded bar obeys exactly the rules of an imported one. Bars dated after the last closed session are dropped;
the newest stored bar of a download is marked provisional and is overwritten by the next download. Any failure for
a symbol (an error body, an HTTP error, retries exhausted, an unparsable body) writes nothing for it and the others
go on. When the day's budget is used up the remaining symbols are reported as skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from ..errors import AppError, FixTheRequest
from ..settings import Settings
from ..store import Store
from ..store import prices as price_store
from .actions import from_alphavantage
from .alphavantage import AlphaVantageClient, AlphaVantageError, DailyRequest, TransientError
from .fetch_plan import SymbolNeed, market_today, needed_through, plan_fetch
from .formats import ALPHAVANTAGE, alphavantage_actions, check_symbol, parse_text
from .importers import import_bars
from .pacing import BudgetExhausted, FetchStopped, Pacer

log = logging.getLogger(__name__)
SOURCE = "alphavantage"


@dataclass(frozen=True)
class FetchOptions:
    timeout_s: float = 30.0
    attempts: int = 3  # per symbol, transient failures only
    backoff_s: float = 2.0  # exponential: 2, 4, 8 … seconds, at most 60


@dataclass(frozen=True)
class SymbolOutcome:
    symbol: str
    status: str  # fetched | current | failed | skipped
    outputsize: str | None = None
    requests: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    missing: tuple[str, ...] = ()  # needed trading days still without a bar after this run
    message: str | None = None


@dataclass(frozen=True)
class FetchReport:
    through: str | None  # the last day needed: `end`, at most the last closed session (nothing later is stored)
    outcomes: tuple[SymbolOutcome, ...]
    budget_day: str
    requests_today: int
    requests_per_day: int

    def by_status(self, status: str) -> list[SymbolOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def complete(self) -> bool:
        return not any(o.missing for o in self.outcomes)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["counts"] = {s: len(self.by_status(s)) for s in ("fetched", "current", "failed", "skipped")}
        return json.loads(json.dumps(d))


def fetch_prices(
    store: Store,
    settings: Settings,
    *,
    symbols: Iterable[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], object] = time.sleep,
    options: FetchOptions = FetchOptions(),
    client: AlphaVantageClient | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> FetchReport:
    """Download what `symbols` (default: the universe and the benchmarks) miss in [start, end]."""
    api_key = settings.alphaadvantage_api_key or ""
    if not api_key and client is None:
        raise FixTheRequest("no Alpha Vantage API key: set ALPHAADVANTAGE_API_KEY")
    now = dt.datetime.fromtimestamp(clock(), dt.UTC)
    today = market_today(now)
    through = needed_through(today, now)
    wanted = _symbols(store, settings, symbols)
    needs = _plan(store, wanted, start=start, end=end, through=through, today=today)
    pacer = Pacer(
        store,
        per_minute=settings.av_requests_per_minute,
        per_day=settings.av_requests_per_day,
        clock=clock,
        sleep=sleep,
        should_stop=should_stop,
    )
    own = client is None
    client = client or AlphaVantageClient(api_key, settings.alphavantage_base_url, timeout=options.timeout_s)
    todo = [n for n in needs if n.wanted]
    outcomes = {n.symbol: SymbolOutcome(n.symbol, "current") for n in needs if not n.wanted}
    exhausted: str | None = None
    try:
        for i, need in enumerate(todo):
            if on_progress:
                on_progress(need.symbol, i, len(todo))
            if exhausted or should_stop():
                outcomes[need.symbol] = SymbolOutcome(
                    need.symbol, "skipped", need.outputsize, message=exhausted or "stopped"
                )
                continue
            try:
                outcomes[need.symbol] = _fetch_one(store, settings, client, pacer, need, start, through, options, sleep)
            except (BudgetExhausted, FetchStopped) as exc:
                exhausted = str(exc)
                outcomes[need.symbol] = SymbolOutcome(need.symbol, "skipped", need.outputsize, message=exhausted)
        if on_progress:
            on_progress("", len(todo), len(todo))
    finally:
        if own:
            client.close()
    after = {n.symbol: n.missing for n in _plan(store, wanted, start=start, end=end, through=through, today=today)}
    final = tuple(replace(o, missing=after.get(o.symbol, ())) for _, o in sorted(outcomes.items()))
    last = min(end, through) if end and through else through
    report = FetchReport(last, final, pacer.day(), pacer.used_today(), settings.av_requests_per_day)
    log.debug("price fetch through %s: %s", through, report.to_dict()["counts"])  # stdout stays JSON with --json
    return report


def _symbols(store: Store, settings: Settings, symbols: Iterable[str] | None) -> list[str]:
    if symbols:
        return sorted({check_symbol(s, "--symbols") for s in symbols})
    with store.read() as conn:
        universe = [s.symbol for s in price_store.list_symbols(conn) if s.tradable or s.benchmark]
    return sorted(set(universe) | set(settings.benchmark_symbols))


def _plan(store: Store, symbols: list[str], **kw) -> list[SymbolNeed]:
    with store.read() as conn:
        all_dates = price_store.dates_by_symbol(conn)
        complete: dict[str, set[str]] = {}
        for r in price_store.bars_for(conn, symbols):
            if r.complete:
                complete.setdefault(r.symbol, set()).add(r.date)
    return plan_fetch(symbols, complete, {d for ds in all_dates.values() for d in ds}, **kw)


def _fetch_one(
    store: Store,
    settings: Settings,
    client: AlphaVantageClient,
    pacer: Pacer,
    need: SymbolNeed,
    start: str | None,
    through: str | None,
    options: FetchOptions,
    sleep: Callable[[float], object],
) -> SymbolOutcome:
    sym, size = need.symbol, need.outputsize
    if size is None:  # nothing missing: only wanted needs are fetched
        return SymbolOutcome(sym, "current")
    requests = 0

    def attempt() -> str:
        nonlocal requests
        pacer.acquire(sym)
        requests += 1
        return client.daily(DailyRequest(sym, size, settings.alphavantage_daily_function))

    def pause(seconds: float) -> None:  # tenacity's sleep returns None; ours may answer (threading.Event.wait)
        sleep(seconds)

    retrying = Retrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(options.attempts),
        wait=wait_exponential(multiplier=options.backoff_s, max=60),
        sleep=pause,
        reraise=True,
    )
    try:
        text = retrying(attempt)
        _, bars = parse_text(text, f"{SOURCE}:{sym}", symbol=sym)
        bars = [b for b in bars if (through is None or b.date <= through) and (start is None or b.date >= start)]
        kept = {b.date for b in bars}  # the adjusted series' splits and dividends of the kept days
        found = [a for a in alphavantage_actions(text, f"{SOURCE}:{sym}", symbol=sym) if a[1] in kept]
        newest = max((b.date for b in bars), default=None)
        rep = import_bars(
            store,
            bars,
            fmt=ALPHAVANTAGE,
            source=SOURCE,
            name=f"{SOURCE}:{sym}",
            benchmarks=set(settings.benchmark_symbols),
            provisional={(sym, newest)} if newest else frozenset(),
            actions=from_alphavantage(found, SOURCE),
        )
    except (AlphaVantageError, AppError) as exc:
        message = getattr(exc, "message", str(exc))
        log.debug("fetch %s failed: %s", sym, message)  # the report (CLI) or the job error (worker) says it
        return SymbolOutcome(sym, "failed", size, requests, message=message)
    s = next((r for r in rep.symbols if r.symbol == sym), None)
    return SymbolOutcome(
        sym,
        "fetched",
        size,
        requests,
        s.added if s else 0,
        s.updated if s else 0,
        s.unchanged if s else 0,
        s.rejected if s else 0,
    )


def missing_on_dates(store: Store, settings: Settings, dates: Iterable[str]) -> dict[str, list[str]]:
    """date → the universe symbols (tradable or benchmark) without a complete bar on it, for the symbols that
    have a complete bar on some earlier date (a symbol not yet listed is not missing). Dates with nothing
    missing are left out."""
    dates = sorted(set(dates))
    if not dates:
        return {}
    symbols = _symbols(store, settings, None)
    with store.read() as conn:
        bars = [r for r in price_store.bars_for(conn, symbols) if r.complete]
    have: dict[str, set[str]] = {}
    first: dict[str, str] = {}
    for r in bars:
        have.setdefault(r.symbol, set()).add(r.date)
        first[r.symbol] = min(first.get(r.symbol, r.date), r.date)
    out = {}
    for d in dates:
        gone = [s for s in symbols if s in first and first[s] < d and d not in have[s]]
        if gone:
            out[d] = gone
    return out

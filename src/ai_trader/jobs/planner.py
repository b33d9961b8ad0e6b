"""Which model-days a job runs (spec/jobs.md "What a job contains"). Pure: no I/O.

Per signature:
- no `start_date`: from the trading day after its last completed model-day (in any job) — or, with no history, the
  first trading day after `date_range.init_date` — to the end date;
- explicit `start_date`: the trading days in [start, end] it has not completed; with `replace_existing` all of them
  and also every later completed day of that signature (each day depends on the one before), named in `warnings`.
  `replace_existing` without `start_date` replaces from the config's first day.
- `post_cutoff_only`: of those, only the days after the entry's `knowledge_cutoff` (entries without one: all); the
  first day after the cutoff starts from the last committed snapshot before it, or the initial cash.
- continuity (quality.md invariant 3): without `replace_existing`, a plan that would run a day before committed days
  of a signature (a gap fill, a back-fill before its first day) is refused (400 `invalidates_committed_days`, naming
  the days it would invalidate): those days started from the snapshot before them, so they would have to be re-run,
  and completed days are re-run only when `replace_existing` asks for it (quality.md invariant 7).
End date: the request's `end_date`, else the most recent trading day with data not after today, so the daily
catch-up (`{}`) keeps going after the config's `date_range.end_date` (a config's end date caps only runs that pass it
as `end_date`, as `ai-trader run` does by default); an end after the last trading day with data is clamped (with a
warning). Trading days come from the price view's calendar, so holidays never appear.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..config import CompetitionConfig
from ..errors import FixTheRequest, InvalidatesCommittedDays, InvalidDate, NoData, RangeTooLarge, UnknownModel
from ..market.prices import PriceView
from ..timeutil import parse_date


@dataclass(frozen=True)
class PlanRequest:
    start_date: str | None = None
    end_date: str | None = None
    models: tuple[str, ...] = ()  # empty: all enabled models
    replace_existing: bool = False
    post_cutoff_only: bool = False  # only days after each entry's knowledge_cutoff (entries without one: all)

    @classmethod
    def parse(cls, request: Mapping[str, Any]) -> PlanRequest:
        """Validate the trigger body's planning fields (types, strict dates, start ≤ end)."""
        start, end = request.get("start_date"), request.get("end_date")
        for name, value in (("start_date", start), ("end_date", end)):
            if value is not None:
                parse_date(value, name)
        if start and end and start > end:
            raise InvalidDate(f"start_date {start} is after end_date {end}", {"start_date": start, "end_date": end})
        models = request.get("models")
        if models is None:
            models = []
        if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
            raise UnknownModel("models must be a list of signatures", {"models": str(models)[:200]})
        replace = request.get("replace_existing", False)
        if replace is None:
            replace = False
        if not isinstance(replace, bool):
            raise FixTheRequest("replace_existing must be true or false", {"field": "replace_existing"})
        post = request.get("post_cutoff_only", False)
        if post is None:
            post = False
        if not isinstance(post, bool):
            raise FixTheRequest("post_cutoff_only must be true or false", {"field": "post_cutoff_only"})
        return cls(start, end, tuple(dict.fromkeys(models)), replace, post)


@dataclass(frozen=True)
class Plan:
    days: dict[str, list[str]]  # signature → its dates in order (signatures with nothing to do omitted)
    models: list[str]  # the selected signatures, config order
    end_date: str
    warnings: list[str] = field(default_factory=list)

    @property
    def model_days(self) -> list[tuple[str, str]]:
        """Every (date, signature), ordered by date then signature."""
        return sorted((d, s) for s, ds in self.days.items() for d in ds)

    @property
    def date_range(self) -> list[str]:
        return sorted({d for ds in self.days.values() for d in ds})

    @property
    def total(self) -> int:
        return sum(len(ds) for ds in self.days.values())

    @property
    def job_models(self) -> list[str]:
        return [m for m in self.models if m in self.days]


def select_models(config: CompetitionConfig, wanted: Sequence[str]) -> list[str]:
    """The requested signatures (any in the config, enabled or not) or all enabled ones, in config order."""
    known = [m.signature for m in config.models]
    if wanted:
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise UnknownModel(f"unknown model(s): {', '.join(unknown)}", {"unknown": unknown, "available": known})
        return [s for s in known if s in wanted]
    enabled = [m.signature for m in config.enabled()]
    if not enabled:
        raise UnknownModel("the config has no enabled models; name models explicitly", {"available": known})
    return enabled


def plan_job(
    config: CompetitionConfig,
    request: PlanRequest,
    prices: PriceView,
    completed: Mapping[str, Sequence[str]],
    *,
    today: dt.date,
    max_days: int,
) -> Plan:
    """The model-days to run. `completed` maps signature → its committed dates (any job), sorted."""
    models = select_models(config, request.models)
    last_day = prices.most_recent_trading_day(today)
    if last_day is None:
        raise NoData("no price data: import market data first (ai-trader data import)")
    warnings: list[str] = []
    end = request.end_date or last_day  # a config's end_date caps only runs that pass it (ai-trader run)
    if end > last_day:
        warnings.append(f"end_date {end} is after the last trading day with data ({last_day}); clamped to {last_day}")
        end = last_day
    start = request.start_date
    if start is None and request.replace_existing:
        start = prices.next_trading_day(config.date_range.init_date) or last_day
    if start is not None and start > end:
        raise InvalidDate(
            f"start_date {start} is after the last trading day with data ({last_day})",
            {"start_date": start, "last_trading_day": last_day},
        )
    days: dict[str, list[str]] = {}
    invalidated: dict[str, tuple[str, list[str]]] = {}  # signature → (first day run, committed days after it)
    for sig in models:
        done = list(completed.get(sig, ()))
        entry = config.model(sig)
        cutoff = entry.cutoff_date if request.post_cutoff_only and entry is not None else None
        if start is None:
            after = done[-1] if done else config.date_range.init_date
            chosen = [d for d in prices.trading_days(after, end) if d > after]
        elif request.replace_existing:
            chosen = prices.trading_days(start, end)
            later = [d for d in done if d > end]
            if later:
                warnings.append(
                    f"{sig}: replacing from {start} also re-runs {len(later)} later completed "
                    f"day(s): {', '.join(later)} (removed when the first replaced day commits)"
                )
                chosen += later
        else:
            done_set = set(done)
            chosen = _after_cutoff([d for d in prices.trading_days(start, end) if d not in done_set], cutoff)
            later = [d for d in done if chosen and d > chosen[0]]
            if later:
                invalidated[sig] = (chosen[0], later)
        chosen = _after_cutoff(chosen, cutoff)
        if chosen:
            days[sig] = chosen
    if invalidated:
        raise _invalidates(invalidated)
    plan = Plan(days, models, end, warnings)
    if len(plan.date_range) > max_days:
        raise RangeTooLarge(
            f"the job would span {len(plan.date_range)} trading days; the maximum is {max_days} "
            "(narrow start_date/end_date)",
            {"trading_days": len(plan.date_range), "max_simulation_days": max_days},
        )
    return plan


def _after_cutoff(days: list[str], cutoff: str | None) -> list[str]:
    """`post_cutoff_only`: the days after the entry's knowledge cutoff (a later first day carries over the book)."""
    return [d for d in days if d > cutoff] if cutoff else days


def _listed(dates: Sequence[str], at_most: int = 10) -> str:
    shown = ", ".join(dates[:at_most])
    return shown if len(dates) <= at_most else f"{shown} and {len(dates) - at_most} more"


def _invalidates(found: Mapping[str, tuple[str, list[str]]]) -> InvalidatesCommittedDays:
    """The refusal of a plan that runs days before committed ones without re-running them."""
    parts = [f"{sig} would run {first} before its committed {_listed(later)}" for sig, (first, later) in found.items()]
    last = max(later[-1] for _, later in found.values())
    return InvalidatesCommittedDays(
        f"{'; '.join(parts)}. Each day starts where the signature's previous trading day ended, so those days would "
        'no longer follow from it. Ask again with "replace_existing": true to re-run them in the same job, or start '
        f"after {last}.",
        {
            "invalidated": {sig: later for sig, (_, later) in found.items()},
            "first_day": {sig: first for sig, (first, _) in found.items()},
            "retry_with": {"replace_existing": True},
        },
    )

"""A job's inference budget (issue 18 §4): `max_cost_usd` of the trigger, else the config's
`agent_config.max_cost_usd`. Before each model-day starts, its chain reads the job's recorded cost (the cost of the
model-days it committed, `store/inference.job_cost`); once that reaches the budget, that day and the chain's later
days are skipped with the error "budget exhausted" instead of starting. Days already running finish (nothing is cut
mid-day), so the job stops at the first model-day boundary after the cap; it ends `partial` (or `failed` when no day
completed) with the error "budget exhausted".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..config import CompetitionConfig
from ..errors import IllegalTransition
from ..store import db
from ..store import jobs as job_store
from ..store.inference import job_cost
from . import states


def job_budget(request: Mapping[str, Any], config: CompetitionConfig) -> float | None:
    cap = request.get("max_cost_usd")
    if isinstance(cap, int | float) and not isinstance(cap, bool):
        return float(cap)
    return config.agent_config.max_cost_usd


def exhausted(conn: db.Connection, job_id: str, cap: float) -> bool:
    return job_cost(conn, job_id) >= cap


def skip_rest(conn: db.Connection, days: Sequence[job_store.DetailRow]) -> None:
    """Skip the chain's days from here on (one transaction); days skipped meanwhile (a cancel) stay as they are."""
    for d in days:
        try:
            states.transition_detail(conn, d.id, states.DetailStatus.SKIPPED, error=states.BUDGET_ERROR)
        except IllegalTransition:
            pass

"""/results and /performance: thin adapters over `service/results` and `service/performance`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ...config import SIGNATURE_RE
from ...errors import InvalidDate, UnknownModel
from ...service.performance import performance as leaderboard
from ...service.results import results_for_date, results_for_range
from ...service.schemas import PerformanceBody, ResultsBody
from ..deps import RuntimeDep
from ..models import ErrorBody
from ..responses import cached_json, cached_json_with_prices

router = APIRouter(tags=["results"])
ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorBody}, 401: {"model": ErrorBody}}
Day = Annotated[str | None, Query(description="YYYY-MM-DD", max_length=64)]
OneDay = Annotated[
    str | None,
    Query(description="YYYY-MM-DD, one trading day; not together with start_date/end_date (400)", max_length=64),
]
RangeStart = Annotated[
    str | None, Query(description="YYYY-MM-DD, first day of a range; not together with date", max_length=64)
]
RangeEnd = Annotated[
    str | None, Query(description="YYYY-MM-DD, last day of a range, not before start_date", max_length=64)
]


@router.get("/results", response_model=ResultsBody, responses={404: {"model": ErrorBody}, **ERRORS})
async def results(
    rt: RuntimeDep,
    date: OneDay = None,
    start_date: RangeStart = None,
    end_date: RangeEnd = None,
    model: Annotated[str | None, Query(description="signature (omitted: all)", max_length=64)] = None,
    job_id: Annotated[str | None, Query(description="only model-days committed by this job", max_length=200)] = None,
    detail: Literal["minimal", "full"] = "minimal",
) -> Response:
    """Results for one `date`, or a range `start_date`..`end_date` (per model days + metrics), or with `job_id`
    alone the job's own range. `date` excludes `start_date`/`end_date`; with no date, no range and no job: 400
    `invalid_date`."""
    if date is not None:
        if start_date is not None or end_date is not None:
            raise InvalidDate("give either date or start_date/end_date, not both", {"field": "date"})
        return await cached_json(
            rt,
            ("results", date, model, detail, job_id),
            lambda: results_for_date(rt.store, date, model, detail, job_id, agent_data_dir=rt.settings.agent_data_dir),
        )
    key = ("results", start_date, end_date, model, detail, job_id)
    return await cached_json_with_prices(
        rt,
        key,
        lambda: results_for_range(
            rt.store,
            rt.prices(),
            start_date,
            end_date,
            model,
            detail,
            job_id,
            rt.settings.risk_free_rate,
            agent_data_dir=rt.settings.agent_data_dir,
        ),
    )


@router.get("/performance", response_model=PerformanceBody, responses=ERRORS)
async def performance(
    rt: RuntimeDep,
    start_date: Day = None,
    end_date: Day = None,
    model: Annotated[
        list[str] | None, Query(description="signatures, comma-separated (or the parameter repeated); omitted: all")
    ] = None,
) -> Response:
    """Leaderboard: per-signature metrics sorted by cumulative return, plus the QQQ benchmark."""
    models = [m for item in (model or []) for m in item.split(",")] or None
    bad = next((m for m in models or [] if not SIGNATURE_RE.match(m)), None)
    if bad is not None:
        raise UnknownModel(f"model {bad[:100]!r} is not a valid signature", {"model": bad[:100]})
    key = ("performance", start_date, end_date, tuple(models) if models else None)
    return await cached_json_with_prices(
        rt, key, lambda: leaderboard(rt.store, rt.prices(), start_date, end_date, models, rt.settings.risk_free_rate)
    )

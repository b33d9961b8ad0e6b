"""/simulate/*: trigger, status, events, current, jobs, cancel — thin adapters over `service/jobs.JobService`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from ...errors import AppError
from ...service.schemas import AlreadyRunning, DryRun, JobBody, JobEvents, JobList, Queued, UpToDate
from ...service.workers import Workers
from ...service.workers import workers as live_workers
from ..audit import audit
from ..deps import JobServiceDep, RuntimeDep
from ..models import ConflictBody, ErrorBody, TriggerRequest
from ..responses import cached_json

router = APIRouter(prefix="/simulate", tags=["simulate"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody},
    401: {"model": ErrorBody},
    413: {"model": ErrorBody},
}
JobId = Annotated[str, Path(description="the job id (any string; unknown ids are 404)")]
# `:path` so an id holding an encoded "/" still reaches the handler (404 naming it), not the unknown-route 404
RunParam = Annotated[
    int | None, Query(ge=1, le=50, description="one run of repeated runs (run 1 = the signature's own ledger)")
]
EXTENSIONS = ("runs", "dry_run", "max_cost_usd")
JobStatusName = Literal["pending", "running", "completed", "partial", "failed", "cancelled"]


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post(
    "/trigger",
    status_code=202,
    response_model=Queued,
    responses={
        200: {
            "model": AlreadyRunning | UpToDate | DryRun,
            "description": "the job already in progress, up to date, or a dry run's plan",
        },
        404: {"model": ErrorBody},
        409: {"model": ConflictBody},
        **ERRORS,
    },
)
def trigger(
    request: Request, svc: JobServiceDep, rt: RuntimeDep, body: Annotated[TriggerRequest | None, Body()] = None
) -> JSONResponse:
    """Queue a simulation job (202), or answer the job already running (200) / up to date (200) / conflict (409)."""
    req = body.model_dump() if body is not None else {}
    for key in EXTENSIONS:  # issue 18's fields only when given: an older request is recorded exactly as before
        if req.get(key) in (None, False):
            req.pop(key, None)
    try:
        out = svc.trigger(req)
    except AppError as exc:
        audit(rt.settings.data_dir, "trigger", _client(request), exc.status, request=req, error=exc.code)
        raise
    status = 202 if isinstance(out, Queued) else 200
    job_id = None if isinstance(out, UpToDate | DryRun) else out.job_id
    audit(rt.settings.data_dir, "trigger", _client(request), status, request=req, job_id=job_id, outcome=out.status)
    return JSONResponse(out.wire(), status_code=status)


@router.get("/status/{job_id:path}", response_model=JobBody, responses={404: {"model": ErrorBody}, **ERRORS})
async def status(job_id: JobId, svc: JobServiceDep, rt: RuntimeDep, run: RunParam = None) -> Response:
    """A job's status and per-model-day progress (`run`: only that run's model-days; default every run)."""
    return await cached_json(rt, ("status", job_id, run), lambda: svc.status(job_id, run))


@router.get("/events/{job_id:path}", response_model=JobEvents, responses={404: {"model": ErrorBody}, **ERRORS})
async def events(job_id: JobId, svc: JobServiceDep, rt: RuntimeDep) -> Response:
    """The job's audit trail (extension): every job and model-day status transition, oldest first."""
    return await cached_json(rt, ("events", job_id), lambda: svc.events(job_id))


@router.get("/current", response_model=JobBody, responses={404: {"model": ErrorBody}, **ERRORS})
async def current(svc: JobServiceDep, rt: RuntimeDep, run: RunParam = None) -> Response:
    """The most recently created job (progress without details; `run`: counts of only that run's model-days)."""
    return await cached_json(rt, ("current", run), lambda: svc.current(run))


@router.get("/jobs", response_model=JobList, responses=ERRORS)
def jobs(
    svc: JobServiceDep, limit: Annotated[int, Query(ge=1, le=200)] = 20, status: JobStatusName | None = None
) -> JSONResponse:
    """Recent jobs, newest first."""
    return JSONResponse(svc.list_jobs(limit, status))


@router.post(
    "/cancel/{job_id:path}",
    response_model=JobBody,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}, **ERRORS},
)
def cancel(request: Request, job_id: JobId, svc: JobServiceDep, rt: RuntimeDep) -> JSONResponse:
    """Cancel a job: pending and running model-days are skipped and the job ends `cancelled` at once; the worker
    aborts the running model-days within about a second (nothing of them is committed)."""
    try:
        out = svc.cancel(job_id)
    except AppError as exc:
        audit(rt.settings.data_dir, "cancel", _client(request), exc.status, job_id=job_id, error=exc.code)
        raise
    audit(rt.settings.data_dir, "cancel", _client(request), 200, job_id=job_id, outcome=out.get("status"))
    return JSONResponse(out)


@router.get("/workers", response_model=Workers, responses=ERRORS)
def workers(svc: JobServiceDep) -> JSONResponse:
    """The live workers and the model-days each holds a lease on (`unheld`: running days whose worker is gone,
    returned to pending by the next worker's tick)."""
    return JSONResponse(live_workers(svc.store).model_dump())

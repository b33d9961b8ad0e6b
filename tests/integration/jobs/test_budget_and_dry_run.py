"""Cost preview and budget (issue 18 §4): a dry run plans without queuing and estimates from history within 20 %;
a max_cost_usd stops the job at the first model-day boundary after the cap ("budget exhausted", partial)."""

from __future__ import annotations

import pytest

from ai_trader.errors import AppError
from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from ai_trader.store import jobs as job_rows
from tests.support.jobs import trigger

from .conftest import TODAY, write_config

pytestmark = pytest.mark.both_engines

MOMENTUM = {"signature": "mom", "provider": "scripted", "script": "momentum_lite", "basemodel": "scripted/priced"}
PRICES = {"scripted/priced": (100.0, 100.0)}  # $100 per 1M tokens: a model-day costs about $0.5-1


def _costs(store, job_id):
    with store.read() as conn:
        return conn.execute(
            "SELECT d.date, s.cost_usd, s.prompt_tokens + s.completion_tokens FROM model_days d"
            " JOIN session_records s ON s.model_day_id = d.id WHERE d.job_id = ? ORDER BY d.date",
            (job_id,),
        ).fetchall()


@pytest.fixture
def svc(settings, store):
    settings = settings.model_copy(update={"price_table": PRICES})
    write_config(settings, [MOMENTUM])
    return JobService(settings, store, today=lambda: TODAY)


def test_a_dry_run_queues_nothing_and_estimates_from_history_within_20_percent(svc, store):
    first = {"start_date": "2025-06-10", "end_date": "2025-07-09"}
    code, plan = trigger(svc, {**first, "dry_run": True})
    assert code == 200 and plan["dry_run"] is True and plan["total_model_days"] == 20
    assert plan["plan"][0]["estimate"]["method"].startswith("default for provider 'scripted'")
    with store.read() as conn:
        assert job_rows.latest_job(conn) is None  # nothing queued
    code, body = trigger(svc, first)
    assert code == 202
    Worker(svc.settings, store).drain()

    nxt = {"start_date": "2025-07-10", "end_date": "2025-08-06"}
    code, plan = trigger(svc, {**nxt, "dry_run": True})
    item = plan["plan"][0]
    assert item["estimate"]["method"] == "history: mean of 20 recorded model-day(s) of mom"
    assert item["model_days"] == 20
    estimated = item["estimate"]["prompt_tokens"] + item["estimate"]["completion_tokens"]
    code, body = trigger(svc, nxt)
    assert code == 202
    Worker(svc.settings, store).drain()
    actual = sum(r[2] for r in _costs(store, body["job_id"]))
    assert abs(estimated - actual) / actual < 0.20, (estimated, actual)
    usd = sum(r[1] for r in _costs(store, body["job_id"]))
    assert abs(item["estimate"]["usd"] - usd) / usd < 0.20


def test_a_budget_stops_the_job_at_the_first_model_day_boundary_after_the_cap(svc, store):
    cap = 2.0
    code, body = trigger(svc, {"start_date": "2025-06-10", "end_date": "2025-07-09", "max_cost_usd": cap})
    assert code == 202
    Worker(svc.settings, store).drain()
    status = svc.status(body["job_id"])
    assert status["status"] == "partial" and status["error"] == "budget exhausted"
    costs = [r[1] for r in _costs(store, body["job_id"])]
    k = len(costs)
    assert 1 < k < 20
    assert sum(costs[:-1]) < cap <= sum(costs)  # the day that crossed the cap ran; none after it
    details = status["progress"]["details"]
    assert [d["status"] for d in details] == ["completed"] * k + ["skipped"] * (20 - k)
    assert {d["error"] for d in details[k:]} == {"budget exhausted"}


def test_a_config_budget_applies_and_bad_values_are_refused(svc, store, settings):
    write_config(svc.settings, [MOMENTUM], max_cost_usd=0.000001)
    code, body = trigger(svc, {"start_date": "2025-06-10", "end_date": "2025-06-13"})
    Worker(svc.settings, store).drain()
    status = svc.status(body["job_id"])
    assert status["progress"]["completed"] == 1 and status["progress"]["skipped"] == 3
    for bad in (0, -1, "5", True):
        with pytest.raises(AppError) as err:
            svc.trigger({"start_date": "2025-06-16", "max_cost_usd": bad})
        assert err.value.details == {"field": "max_cost_usd"}
    with pytest.raises(AppError) as err:
        svc.trigger({"dry_run": "yes"})
    assert err.value.details == {"field": "dry_run"}

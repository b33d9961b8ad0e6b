"""POST /simulate/trigger semantics through JobService, against a real SQLite file with the NASDAQ-100 data."""

from __future__ import annotations

import shutil
import threading
import uuid

import pytest

from ai_trader.errors import (
    ConfigNotFound,
    IllegalTransition,
    InvalidConfig,
    InvalidConfigPath,
    InvalidDate,
    NotFound,
    RangeTooLarge,
    UnknownModel,
    WaitForRunningJob,
)
from ai_trader.jobs.worker import Worker
from ai_trader.market.importers import import_file
from ai_trader.service.jobs import JobService
from ai_trader.store import jobs as rows
from tests.conftest import ROOT
from tests.support.jobs import trigger

from .conftest import TODAY, write_config


def test_new_job_is_accepted_with_every_trading_day_after_init_date(service, store):
    code, body = trigger(service, {})
    assert code == 202
    assert body["status"] == "accepted" and body["message"] == "Simulation job queued successfully"
    uuid.UUID(body["job_id"], version=4)
    assert body["models"] == ["equal-weight", "momentum", "cash"]
    dates = body["date_range"]
    assert (dates[0], dates[-1], len(dates)) == ("2025-06-10", "2025-10-30", 100)
    assert "2025-07-04" not in dates and "2025-09-01" not in dates  # Independence Day, Labor Day
    assert body["total_model_days"] == 300 and body["warnings"] == []
    assert body["created_at"].endswith("Z")
    status = service.status(body["job_id"])
    assert status["status"] == "pending"
    assert status["progress"]["pending"] == 300 and status["progress"]["current"] is None
    first = status["progress"]["details"][0]
    assert first == {
        "date": "2025-06-10",
        "model": "cash",
        "status": "pending",
        "duration_seconds": None,
        "started_at": None,
        "completed_at": None,
    }
    with store.read() as conn:
        job = rows.job(conn, body["job_id"])
        assert [(e.from_status, e.to_status) for e in rows.events(conn, body["job_id"])] == [(None, "pending")]
    assert job.config["models"][0]["signature"] == "equal-weight"  # the validated snapshot the worker runs
    assert job.config_path.endswith("default_config.json")


def test_same_request_again_returns_the_job_in_progress(service):
    _, first = trigger(service, {"models": ["cash"], "start_date": "2025-10-01"})
    code, again = trigger(service, {"models": ["cash"], "start_date": "2025-10-01"})
    assert code == 200
    assert again["job_id"] == first["job_id"]
    assert again["status"] == "pending" and again["message"] == "Simulation already in progress"
    assert again["progress"]["total_model_days"] == first["total_model_days"]
    # a narrower request whose model-days are all in the job is the same work
    code, narrower = trigger(service, {"models": ["cash"], "start_date": "2025-10-20"})
    assert (code, narrower["job_id"]) == (200, first["job_id"])


def test_different_request_while_a_job_is_pending_is_a_conflict(service, store):
    _, first = trigger(service, {"models": ["cash"], "start_date": "2025-10-01"})
    with pytest.raises(WaitForRunningJob) as err:
        trigger(service, {"models": ["momentum"]})
    assert err.value.status == 409 and err.value.message == (
        f"Different simulation already running: job {first['job_id']} (pending; queued, not yet claimed by a worker)"
    )
    assert err.value.details == {
        "current_job_id": first["job_id"],
        "current_date_range": first["date_range"],
        "current_status": "pending",
        "owner": None,
        "owner_alive": None,
        "heartbeat_silent_seconds": None,
    }
    with store.read() as conn:
        assert len(rows.jobs(conn)) == 1


def test_a_second_concurrent_job_may_not_touch_a_busy_signature(settings, store):
    write_config(settings)
    svc = JobService(settings.model_copy(update={"max_concurrent_jobs": 2}), store, today=lambda: TODAY)
    assert trigger(svc, {"models": ["cash"], "start_date": "2025-10-01"})[0] == 202
    assert trigger(svc, {"models": ["momentum"], "start_date": "2025-10-01"})[0] == 202  # other signature: ok
    with pytest.raises(WaitForRunningJob):
        trigger(svc, {"models": ["cash", "equal-weight"]})  # cash's days must wait for its chain


def test_simultaneous_triggers_create_one_job(settings, store):
    write_config(settings)
    barrier, answers = threading.Barrier(4), []

    def one_trigger():
        svc = JobService(settings, store, today=lambda: TODAY)
        barrier.wait()
        answers.append(trigger(svc, {}))

    threads = [threading.Thread(target=one_trigger) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(code for code, _ in answers)
    assert codes == [200, 200, 200, 202]
    assert len({body["job_id"] for _, body in answers}) == 1
    with store.read() as conn:
        assert len(rows.jobs(conn)) == 1
        assert conn.execute("SELECT COUNT(*) FROM job_details").fetchone()[0] == 300


def test_nothing_to_do_answers_current(service, store):
    write_config(
        service.settings, models=[{"signature": "late", "provider": "baseline", "strategy": "cash"}], name="late.json"
    )
    # a config whose init_date is the last trading day with data has nothing to run yet
    path = service.settings.configs_dir / "late.json"
    path.write_text(path.read_text().replace("2025-06-09", "2025-10-30"))
    code, body = trigger(service, {"config_path": "late.json"})
    assert code == 200
    assert body == {
        "status": "current",
        "message": "Simulation already up-to-date",
        "last_simulation_date": None,
        "next_trading_day": None,
    }
    with store.read() as conn:
        assert rows.jobs(conn) == []


def test_clamped_end_is_reported(service):
    code, body = trigger(service, {"start_date": "2025-10-28", "end_date": "2025-12-31"})
    assert code == 202
    assert body["date_range"] == ["2025-10-28", "2025-10-29", "2025-10-30"]
    assert any("clamped to 2025-10-30" in w for w in body["warnings"])


@pytest.mark.parametrize(
    "request_,error",
    [
        ({"config_path": "../etc/passwd"}, InvalidConfigPath),
        ({"config_path": "/etc/passwd"}, InvalidConfigPath),
        ({"config_path": "missing.json"}, ConfigNotFound),
        ({"config_path": "broken.json"}, InvalidConfig),
        ({"models": ["gpt-99"]}, UnknownModel),
        ({"start_date": "2025-10-30", "end_date": "2025-10-01"}, InvalidDate),
        ({"start_date": "yesterday"}, InvalidDate),
        ({"start_date": "2024-01-02"}, RangeTooLarge),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_written(settings, store, request_, error):
    write_config(settings)
    (settings.configs_dir / "broken.json").write_text('{"models": []}')
    svc = JobService(settings.model_copy(update={"max_simulation_days": 300}), store, today=lambda: TODAY)
    if error is RangeTooLarge:  # data starts 2025-06-02: ask for a window wider than the limit
        svc = JobService(settings.model_copy(update={"max_simulation_days": 50}), store, today=lambda: TODAY)
    with pytest.raises(error):
        trigger(svc, request_)
    with store.read() as conn:
        assert rows.jobs(conn) == [] and conn.execute("SELECT COUNT(*) FROM job_details").fetchone()[0] == 0


def test_status_current_list_and_unknown_ids(service):
    with pytest.raises(NotFound) as err:
        service.current()
    assert err.value.message == "No simulation jobs found"
    _, a = trigger(service, {"models": ["cash"], "start_date": "2025-10-29"})
    with pytest.raises(NotFound) as err:
        service.status("not-a-job")
    assert err.value.details == {"job_id": "not-a-job"}
    current = service.current()
    assert current["job_id"] == a["job_id"] and "details" not in current["progress"]
    listing = service.list_jobs()
    assert listing["count"] == 1 and listing["data"][0]["job_id"] == a["job_id"]
    assert service.list_jobs(status="completed") == {"data": [], "count": 0}


def test_cancel_a_pending_job_skips_its_days_and_frees_the_queue(service):
    _, a = trigger(service, {"models": ["cash"], "start_date": "2025-10-29"})
    body = service.cancel(a["job_id"])
    assert body["status"] == "cancelled"
    assert body["progress"]["skipped"] == 2 and {d["error"] for d in body["progress"]["details"]} == {"cancelled"}
    with pytest.raises(IllegalTransition):
        service.cancel(a["job_id"])
    code, b = trigger(service, {"models": ["momentum"]})
    assert code == 202 and b["job_id"] != a["job_id"]


def test_a_catch_up_plans_new_bars_after_the_configs_end_date(settings, store):
    """The shipped default config ends on 2025-10-30; a bar of 2025-10-31 imported later is planned by the next `{}`
    trigger (the daily Windmill flow must not answer `current` forever), while a run that passes the config's end
    date (ai-trader run) stays within it."""
    shutil.copy(ROOT / "configs" / "default_config.json", settings.configs_dir / "default_config.json")
    service = JobService(settings, store, today=lambda: TODAY)
    trigger(service, {"models": ["cash"], "start_date": "2025-10-29"})
    Worker(settings, store).drain()
    assert trigger(service, {"models": ["cash"]})[1]["status"] == "current"
    bars = settings.data_dir / "new.csv"
    bars.write_text("date,symbol,open,high,low,close,volume\n2025-10-31,AAPL,270.0,272.0,268.0,271.0,1000\n")
    import_file(store, bars)
    code, body = trigger(service, {"models": ["cash"]})
    assert code == 202 and body["date_range"] == ["2025-10-31"] and body["warnings"] == []
    Worker(settings, store).drain()
    code, body = trigger(service, {"models": ["cash"], "start_date": "2025-10-29", "end_date": "2025-10-30"})
    assert body["status"] == "current"

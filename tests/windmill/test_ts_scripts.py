"""trigger_simulation.ts and poll_simulation_status.ts run under Bun against a loopback HTTP service."""

from __future__ import annotations

from tests.windmill.conftest import SCRIPTS
from tests.windmill.standin_api import make_job

TRIGGER = SCRIPTS / "trigger_simulation.ts"
POLL = SCRIPTS / "poll_simulation_status.ts"


def api(server, key=None):
    return {"base_url": server.base_url + "/", **({"api_key": key} if key else {})}


def test_trigger_new_job_202(standin, run_ts):
    ok, result = run_ts(TRIGGER, api(standin), "", "", "", ["gpt-5"])
    assert ok, result
    assert result["action"] == "triggered" and result["created"] is True
    assert result["job_id"] == "job-new" and result["status"] == "accepted"
    assert result["models"] == ["gpt-5"] and result["date_range"][0] == "2025-10-13"
    sent = standin.state.requests[-1]
    assert sent["body"] == {"replace_existing": False, "models": ["gpt-5"]}
    assert sent["api_key"] is None  # no key configured, none sent


def test_trigger_joins_running_job_200(standin, run_ts):
    standin.state.trigger = "running"
    ok, result = run_ts(TRIGGER, api(standin))
    assert ok, result
    assert result == {**result, "action": "triggered", "job_id": "job-running", "status": "running", "created": False}


def test_trigger_up_to_date_is_skipped(standin, run_ts):
    standin.state.trigger = "current"
    ok, result = run_ts(TRIGGER, api(standin))
    assert ok, result
    assert result == {
        "action": "skipped",
        "message": "Simulation already up-to-date",
        "last_date": "2025-10-15",
        "next_trading_day": "2025-10-16",
    }


def test_trigger_conflict_409_throws_naming_running_job(standin, run_ts):
    standin.state.trigger = "conflict"
    ok, error = run_ts(TRIGGER, api(standin))
    assert not ok
    assert "409 conflict: Different simulation already running" in error
    assert "job-other" in error


def test_trigger_sends_api_key_and_401_without_it(standin, run_ts):
    standin.state.api_key = "s3cret"
    ok, error = run_ts(TRIGGER, api(standin))
    assert not ok and "401 unauthorized: Missing or invalid API key" in error
    ok, result = run_ts(TRIGGER, api(standin, "s3cret"))
    assert ok, result
    assert standin.state.requests[-1]["api_key"] == "s3cret"


def test_trigger_5xx_reports_server_error_verbatim(standin, run_ts):
    standin.state.trigger = "error"
    ok, error = run_ts(TRIGGER, api(standin))
    assert not ok and "HTTP 500 internal_error: Internal server error" in error


def test_trigger_unreachable_service_throws(run_ts):
    ok, error = run_ts(TRIGGER, {"base_url": "http://127.0.0.1:9"})
    assert not ok and error


def test_poll_in_progress_has_no_results(standin, run_ts):
    standin.state.jobs["job-1"] = make_job("job-1", "running")
    ok, result = run_ts(POLL, api(standin), "job-1")
    assert ok, result
    assert result["status"] == "running" and result["terminal"] is False and result["results"] is None
    assert result["progress"]["total_model_days"] == 6 and "details" not in result["progress"]


def test_poll_completed_fetches_results_for_job_range(standin, run_ts):
    standin.state.jobs["job-1"] = make_job("job-1", "completed")
    ok, result = run_ts(POLL, api(standin), "job-1")
    assert ok, result
    assert result["terminal"] is True and result["status"] == "completed"
    models = {r["model"]: r for r in result["results"]["results"]}
    assert set(models) == {"gpt-5", "claude-sonnet"}
    assert [d["date"] for d in models["gpt-5"]["days"]] == ["2025-10-13", "2025-10-14", "2025-10-15"]
    results_call = standin.state.requests[-1]["path"]
    assert "start_date=2025-10-13" in results_call and "end_date=2025-10-15" in results_call
    assert "job_id=job-1" in results_call and "detail=minimal" in results_call


def test_poll_completed_job_without_results_gets_an_empty_list(standin, run_ts):
    # the job's days are outside what /results holds: 404 no_data is an answer ("nothing committed"), not a failure
    standin.state.jobs["job-1"] = make_job("job-1", "completed", dates=["2025-11-03", "2025-11-04"])
    ok, result = run_ts(POLL, api(standin), "job-1")
    assert ok, result
    assert result["status"] == "completed" and result["terminal"] is True
    assert result["results"] == {"start_date": "2025-11-03", "end_date": "2025-11-04", "results": []}
    assert standin.state.requests[-1]["path"].startswith("/results?")


def test_poll_results_for_a_vanished_job_throws(standin, run_ts):
    # /results 404 not_found (not no_data) is a real failure: reported, not hidden as an empty result
    standin.state.jobs["job-1"] = make_job("job-1", "completed")
    standin.state.results_error = ("not_found", "Job job-1 not found")
    ok, error = run_ts(POLL, api(standin), "job-1")
    assert not ok and "404 not_found: Job job-1 not found" in error


def test_poll_failed_job_is_terminal_with_error(standin, run_ts):
    standin.state.jobs["job-1"] = make_job("job-1", "failed")
    ok, result = run_ts(POLL, api(standin), "job-1")
    assert ok, result
    assert result["terminal"] is True and result["status"] == "failed" and "provider timeout" in result["error"]
    assert result["results"] is None


def test_poll_unknown_job_is_not_found(standin, run_ts):
    ok, result = run_ts(POLL, api(standin), "nope")
    assert ok, result
    assert result["status"] == "not_found" and result["terminal"] is True


def test_poll_without_job_id_uses_current(standin, run_ts):
    standin.state.jobs["job-7"] = make_job("job-7", "running")
    ok, result = run_ts(POLL, api(standin))
    assert ok, result
    assert result["job_id"] == "job-7"
    assert standin.state.requests[-1]["path"] == "/simulate/current"


def test_poll_requires_key_when_configured(standin, run_ts):
    standin.state.api_key = "k"
    standin.state.jobs["job-1"] = make_job("job-1", "running")
    ok, error = run_ts(POLL, api(standin), "job-1")
    assert not ok and "401 unauthorized" in error
    ok, result = run_ts(POLL, api(standin, "k"), "job-1")
    assert ok and result["status"] == "running"

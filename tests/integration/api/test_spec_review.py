"""Spec review (spec/api.md, spec/jobs.md) of behaviour found by exercising the real service: each test names the
contract line it holds the API to."""

from __future__ import annotations

import pytest

from ai_trader.errors import IllegalTransition
from ai_trader.jobs import states
from ai_trader.jobs.worker import Worker
from ai_trader.market.prices import PriceView
from ai_trader.store import jobs as rows

from .seed import commit_day


def _running_job(client, api_settings, priced_store, body):
    """A job queued through the API and claimed by a worker (status `running`), none of its days started."""
    resp = client.post("/simulate/trigger", json=body)
    assert resp.status_code == 202, resp.text
    job_id = resp.json()["job_id"]
    assert Worker(api_settings, priced_store).claim() == [job_id]
    return job_id


def test_a_job_id_with_a_slash_is_still_a_404_naming_the_id(client):
    """api.md: unknown ids are 404 `not_found` with `details.job_id` (any string; never a 500)."""
    for method, path in (
        ("get", "/simulate/status/a%2Fb"),
        ("post", "/simulate/cancel/a%2Fb"),
        ("get", "/simulate/status/..%2F..%2Fetc%2Fpasswd"),
    ):
        resp = getattr(client, method)(path)
        assert resp.status_code == 404, resp.text
        body = resp.json()
        assert body["error"] == "not_found"
        assert "/" in body["details"]["job_id"]


def test_openapi_documents_the_400_error_shape_not_fastapis_422(client):
    """api.md: validation errors are 400 `invalid_request`, not FastAPI's default 422 shape — the published contract
    must not promise a 422 the API never sends."""
    doc = client.get("/openapi.json").json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "422" not in op.get("responses", {}), (method, path)
            if "parameters" in op or "requestBody" in op:
                assert "400" in op["responses"], (method, path)
    assert "HTTPValidationError" not in doc.get("components", {}).get("schemas", {})
    assert client.post("/simulate/trigger", json={"models": "ew"}).status_code == 400


def test_a_cancelled_job_ends_at_once_with_its_running_day_skipped(client, api_settings, priced_store):
    """Issue 20: a cancel skips pending and running days alike and ends the job `cancelled` at once (`phase` null);
    the running day's commit, which needs the detail to be running, can no longer happen."""
    job_id = _running_job(
        client, api_settings, priced_store, {"models": ["idle"], "start_date": "2025-10-27", "end_date": "2025-10-30"}
    )
    with priced_store.write() as conn:
        first = rows.details(conn, job_id)[0]
        states.transition_detail(conn, first.id, states.DetailStatus.RUNNING)
    during = client.post(f"/simulate/cancel/{job_id}").json()
    assert (during["status"], during["phase"], during["progress"]["skipped"]) == ("cancelled", None, 4)
    assert during["progress"]["details"][0]["error"] == "cancelled while running; nothing of the day was committed"
    with pytest.raises(IllegalTransition), priced_store.write() as conn:  # what the worker's commit would do
        states.transition_detail(conn, first.id, states.DetailStatus.COMPLETED)
    after = client.get(f"/simulate/status/{job_id}").json()
    assert (after["status"], after["phase"]) == ("cancelled", None)
    assert after["completed_at"].endswith("Z") and after["total_duration_seconds"] is not None

    # a running job with no day in flight ends at once
    other = _running_job(client, api_settings, priced_store, {"models": ["ew"], "start_date": "2025-10-30"})
    ended = client.post(f"/simulate/cancel/{other}").json()
    assert (ended["status"], ended["phase"], ended["progress"]["skipped"]) == ("cancelled", None, 1)
    listed = client.get("/simulate/jobs?status=cancelled").json()
    assert [j["job_id"] for j in listed["data"]] == [other, job_id]  # newest first
    assert all(j["phase"] is None for j in listed["data"])


def test_up_to_date_answer_still_says_the_end_date_was_clamped(client, priced_store):
    """api.md: end after the last trading day with data → clamp and say so in `warnings` — also when the clamped
    range turns out to have nothing to run (200 "current")."""
    commit_day(priced_store, PriceView.load(priced_store), "idle", "2025-10-30")
    resp = client.post(
        "/simulate/trigger", json={"models": ["idle"], "start_date": "2025-10-30", "end_date": "2025-12-31"}
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "current" and body["last_simulation_date"] == "2025-10-30"
    assert body["next_trading_day"] is None  # the calendar has no later day yet
    assert any("clamped to 2025-10-30" in w for w in body["warnings"]), body
    assert client.get("/simulate/jobs").json()["count"] == 0


def test_current_is_the_earliest_running_model_day_and_details_are_by_date_then_model(
    client, api_settings, priced_store
):
    """api.md: `current` is the earliest running model-day; details ordered by date then model."""
    job_id = _running_job(client, api_settings, priced_store, {"start_date": "2025-10-28", "end_date": "2025-10-30"})
    with priced_store.write() as conn:
        by_key = {(d.date, d.model): d.id for d in rows.details(conn, job_id)}
        for key in (("2025-10-30", "ew"), ("2025-10-29", "mom"), ("2025-10-29", "idle")):
            states.transition_detail(conn, by_key[key], states.DetailStatus.RUNNING)
    status = client.get(f"/simulate/status/{job_id}").json()
    assert status["progress"]["current"] == {"date": "2025-10-29", "model": "idle"}
    assert status["progress"]["running"] == 3
    keys = [(d["date"], d["model"]) for d in status["progress"]["details"]]
    assert keys == sorted(keys) and len(keys) == 9
    current = client.get("/simulate/current").json()
    assert current["progress"]["current"] == {"date": "2025-10-29", "model": "idle"}
    assert "details" not in current["progress"]


def test_events_is_the_audit_trail_of_every_transition_in_order(client, api_settings, priced_store):
    """operations.md: an audit trail of job creation and every status transition (extension: GET /simulate/events)."""
    resp = client.post(
        "/simulate/trigger", json={"start_date": "2025-07-01", "end_date": "2025-07-02", "models": ["idle"]}
    )
    job_id = resp.json()["job_id"]
    Worker(api_settings, priced_store).drain()
    body = client.get(f"/simulate/events/{job_id}").json()
    assert body["job_id"] == job_id and body["count"] == len(body["events"])
    trail = [(e["scope"], e["date"], e["model"], e["from_status"], e["to_status"]) for e in body["events"]]
    assert trail[0] == ("job", None, None, None, "pending")
    assert trail[1] == ("job", None, None, "pending", "running")
    for day in ("2025-07-01", "2025-07-02"):
        assert trail.index(("model-day", day, "idle", "pending", "running")) < trail.index(
            ("model-day", day, "idle", "running", "completed")
        )
    assert trail[-1] == ("job", None, None, "running", "completed")
    assert all(e["at"].endswith("Z") for e in body["events"])
    missing = client.get("/simulate/events/nope")
    assert missing.status_code == 404 and missing.json()["details"]["job_id"] == "nope"


def test_current_with_run_counts_only_that_runs_model_days(client, api_settings, priced_store):
    """`GET /simulate/current?run=k` (issue 18): like `/simulate/status/{id}?run=k`, only run k's model-days — the
    progress counts and `current` of the latest job; without `run` the answer is unchanged."""
    body = {"start_date": "2025-10-28", "end_date": "2025-10-30", "models": ["ew", "idle"], "runs": 2}
    job_id = _running_job(client, api_settings, priced_store, body)
    with priced_store.write() as conn:
        by_key = {(d.date, d.model): d.id for d in rows.details(conn, job_id)}
        for key in (("2025-10-29", "idle@2"), ("2025-10-30", "ew")):
            states.transition_detail(conn, by_key[key], states.DetailStatus.RUNNING)
    days, sigs = 3, 2
    whole = client.get("/simulate/current").json()["progress"]
    assert (whole["total_model_days"], whole["running"], whole["pending"]) == (2 * sigs * days, 2, 2 * sigs * days - 2)
    assert whole["current"] == {"date": "2025-10-29", "model": "idle", "run": 2}
    first = client.get("/simulate/current", params={"run": 1}).json()
    assert first["job_id"] == job_id and "details" not in first["progress"]
    p1 = first["progress"]
    assert (p1["total_model_days"], p1["running"], p1["pending"]) == (sigs * days, 1, sigs * days - 1)
    assert p1["current"] == {"date": "2025-10-30", "model": "ew"}
    p2 = client.get("/simulate/current", params={"run": 2}).json()["progress"]
    assert (p2["total_model_days"], p2["running"], p2["pending"]) == (sigs * days, 1, sigs * days - 1)
    assert p2["current"] == {"date": "2025-10-29", "model": "idle", "run": 2}
    none = client.get("/simulate/current", params={"run": 3}).json()["progress"]
    assert (none["total_model_days"], none["current"]) == (0, None)
    for bad in ("0", "51", "x"):
        resp = client.get("/simulate/current", params={"run": bad})
        assert resp.status_code == 400 and resp.json()["error"], resp.text

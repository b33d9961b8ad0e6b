"""Every 4xx of api.md answers `{"error", "message", "details"?}` with the documented code — never a 500 —
and changes nothing."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient

from ai_trader.api.app import create_app

from .conftest import write_config

RANGE = {"start_date": "2025-07-01", "end_date": "2025-07-10"}


def _err(resp, status, code):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


def _jobs(client):
    return client.get("/simulate/jobs").json()["count"]


@pytest.mark.parametrize(
    "payload, fields",
    [
        (b"{not json", ["body"]),
        (b"[1, 2]", ["body"]),
        (b'"text"', ["body"]),
        (b'{"models": "ew"}', ["models"]),
        (b'{"replace_existing": "yes"}', ["replace_existing"]),
        (b'{"config_path": ["a"]}', ["config_path"]),
        (b'{"start": "2025-07-01", "model": ["ew"]}', ["start", "model"]),
    ],
)
def test_malformed_bodies_are_invalid_request_listing_fields(client, payload, fields):
    resp = client.post("/simulate/trigger", content=payload, headers={"content-type": "application/json"})
    body = _err(resp, 400, "invalid_request")
    locations = [p["location"] for p in body["details"]["problems"]]
    for f in fields:
        assert f in locations
        assert f in body["message"]
    assert _jobs(client) == 0


@pytest.mark.parametrize(
    "payload, field",
    [
        (b'{"start_date": 5}', "start_date"),
        (b'{"start_date": 20250701}', "start_date"),
        (b'{"end_date": ["2025-07-01"]}', "end_date"),
        (b'{"end_date": true, "models": ["ew"]}', "end_date"),
        (b'{"start_date": "2025-07-01-2025-07-02-2025-07-03-2025-07"}', "start_date"),  # longer than any date
    ],
)
def test_trigger_date_fields_of_the_wrong_type_are_invalid_date(client, payload, field):
    resp = client.post("/simulate/trigger", content=payload, headers={"content-type": "application/json"})
    body = _err(resp, 400, "invalid_date")
    assert field in [p["location"] for p in body["details"]["problems"]]
    assert _jobs(client) == 0


def test_results_date_query_too_long_is_invalid_date(client):
    _err(client.get("/results", params={"date": "2025-07-01" * 7}), 400, "invalid_date")


@pytest.mark.parametrize(
    "dates",
    [
        {"start_date": "2025-13-01"},
        {"start_date": "2025-7-1"},
        {"end_date": "2025-02-30"},
        {"start_date": "2025-07-10", "end_date": "2025-07-01"},
        {"start_date": ""},
        {"end_date": "2025-07-01T00:00:00"},
    ],
)
def test_trigger_bad_dates(client, dates):
    _err(client.post("/simulate/trigger", json=dates), 400, "invalid_date")
    assert _jobs(client) == 0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?date=2025-7-01",
        "?date=20250701",
        "?date=2025-02-29",
        "?start_date=2025-07-01",
        "?end_date=2025-07-01",
        "?start_date=2025-07-10&end_date=2025-07-01",
        "?start_date=x&end_date=2025-07-01",
    ],
)
def test_results_bad_or_missing_dates(client, query):
    _err(client.get("/results" + query), 400, "invalid_date")


def test_config_path_tricks_are_refused(client, api_settings, tmp_path):
    outside = tmp_path / "outside.json"
    write_config(tmp_path, "outside.json")
    os.symlink(outside, api_settings.configs_dir / "link.json")
    for path in ("../outside.json", str(outside), "/etc/passwd", "link.json", "sub/../../outside.json"):
        body = _err(client.post("/simulate/trigger", json={"config_path": path}), 400, "invalid_config_path")
        assert body["details"]["config_path"] == path
    assert _jobs(client) == 0


def test_config_not_found_and_invalid_config(client, api_settings):
    _err(client.post("/simulate/trigger", json={"config_path": "missing.json"}), 404, "config_not_found")
    (api_settings.configs_dir / "broken.json").write_text("{", encoding="utf-8")
    _err(client.post("/simulate/trigger", json={"config_path": "broken.json"}), 400, "invalid_config")
    write_config(
        api_settings.configs_dir,
        "bad.json",
        models=[{"signature": "bad name!", "provider": "baseline", "strategy": "cash"}],
    )
    body = _err(client.post("/simulate/trigger", json={"config_path": "bad.json"}), 400, "invalid_config")
    assert any("signature" in p["location"] for p in body["details"]["problems"])
    assert _jobs(client) == 0


def test_unknown_model_and_range_too_large(client, api_settings, priced_store):
    body = _err(client.post("/simulate/trigger", json={"models": ["nobody"], **RANGE}), 400, "unknown_model")
    assert "nobody" in body["message"]
    _err(client.post("/simulate/trigger", json={"models": ["../x"]}), 400, "unknown_model")
    small = api_settings.model_copy(update={"max_simulation_days": 5})
    with TestClient(create_app(small, store=priced_store, start_worker=False), raise_server_exceptions=False) as c:
        _err(c.post("/simulate/trigger", json=RANGE), 400, "range_too_large")
    assert _jobs(client) == 0


def test_not_found(client):
    body = _err(client.get("/simulate/status/no-such-job"), 404, "not_found")
    assert body["details"]["job_id"] == "no-such-job"
    _err(client.get("/simulate/status/%00%ff..%2f"), 404, "not_found")
    _err(client.post("/simulate/cancel/no-such-job"), 404, "not_found")
    _err(client.get("/simulate/current"), 404, "not_found")
    body = _err(client.get("/no/such/route"), 404, "not_found")
    assert "/no/such/route" in body["message"]
    _err(client.delete("/simulate/current"), 405, "method_not_allowed")
    _err(client.get("/results?job_id=nope"), 404, "not_found")


def test_no_data_names_date_and_model(client):
    body = _err(client.get("/results?date=2025-07-01&model=ew"), 404, "no_data")
    assert "2025-07-01" in body["message"] and "ew" in body["message"]
    _err(client.get("/results?start_date=2025-07-01&end_date=2025-07-10"), 404, "no_data")


def test_trigger_twice_same_job_then_conflict(client):
    first = client.post("/simulate/trigger", json={**RANGE, "models": ["ew", "idle"]})
    assert first.status_code == 202, first.text
    job = first.json()
    assert job["status"] == "accepted" and job["total_model_days"] == 2 * len(job["date_range"])
    again = client.post("/simulate/trigger", json={**RANGE, "models": ["ew", "idle"]})
    assert again.status_code == 200
    assert again.json()["job_id"] == job["job_id"] and again.json()["status"] == "pending"
    other = client.post("/simulate/trigger", json={"start_date": "2025-08-01", "end_date": "2025-08-05"})
    body = _err(other, 409, "conflict")
    assert body["details"]["current_job_id"] == job["job_id"] == body["current_job_id"]
    assert body["current_date_range"] == job["date_range"] == body["details"]["current_date_range"]
    assert _jobs(client) == 1
    status = client.get(f"/simulate/status/{job['job_id']}").json()
    assert status["progress"]["pending"] == job["total_model_days"]
    assert client.get("/simulate/current").json()["job_id"] == job["job_id"]


def test_api_key_required_everywhere_but_health(api_settings, priced_store):
    keyed = api_settings.model_copy(update={"api_key": "s3cret"})
    with TestClient(create_app(keyed, store=priced_store, start_worker=False), raise_server_exceptions=False) as c:
        for method, path in (
            ("get", "/simulate/current"),
            ("get", "/simulate/jobs"),
            ("post", "/simulate/trigger"),
            ("get", "/simulate/status/x"),
            ("post", "/simulate/cancel/x"),
            ("get", "/simulate/events/x"),
            ("get", "/results?date=2025-07-01"),
            ("get", "/performance"),
        ):
            _err(getattr(c, method)(path), 401, "unauthorized")
            _err(getattr(c, method)(path, headers={"X-API-Key": "wrong"}), 401, "unauthorized")
        assert c.get("/health").status_code in (200, 503)
        ok = c.get("/performance", headers={"X-API-Key": "s3cret"})
        assert ok.status_code == 200 and ok.json()["leaderboard"] == []


def test_oversized_bodies_get_413_and_nothing_is_written(client, api_settings):
    limit = api_settings.max_body_bytes
    big = b'{"config_path": "' + b"a" * limit + b'"}'
    _err(
        client.post("/simulate/trigger", content=big, headers={"content-type": "application/json"}),
        413,
        "payload_too_large",
    )

    def chunks():  # no Content-Length: the limit holds while streaming
        yield b'{"config_path": "'
        for _ in range(limit // 1000 + 2):
            yield b"a" * 1000
        yield b'"}'

    _err(
        client.post("/simulate/trigger", content=chunks(), headers={"content-type": "application/json"}),
        413,
        "payload_too_large",
    )
    assert _jobs(client) == 0


def test_never_a_500(client):
    nasty = [
        ("post", "/simulate/trigger", {"content": b"\xff\xfe\x00", "headers": {"content-type": "application/json"}}),
        ("post", "/simulate/trigger", {"json": {"config_path": "a" * 300 + ".json"}}),
        ("post", "/simulate/trigger", {"json": {"config_path": "x/" * 200}}),
        ("post", "/simulate/trigger", {"json": {"config_path": "\u0000.json"}}),
        ("post", "/simulate/trigger", {"json": {"models": [None]}}),
        ("post", "/simulate/trigger", {"json": {"models": ["ew"] * 500, **RANGE}}),
        ("post", "/simulate/trigger", {"json": {"start_date": "9999-12-31"}}),
        ("post", "/simulate/trigger", {"json": {"start_date": "0001-01-01", "end_date": "0001-01-02"}}),
        ("post", "/simulate/trigger", {"content": b"null", "headers": {"content-type": "application/json"}}),
        ("post", "/simulate/trigger", {"content": b"{}", "headers": {"content-type": "text/plain"}}),
        ("get", "/simulate/jobs?limit=0", {}),
        ("get", "/simulate/jobs?limit=abc", {}),
        ("get", "/simulate/jobs?status=weird", {}),
        ("get", "/simulate/status/" + "x" * 5000, {}),
        ("get", "/results?date=2025-07-01&detail=everything", {}),
        ("get", "/results?date=2025-07-01&model=" + "m" * 70, {}),
        ("get", "/results?date=2025-07-01&date=2025-07-02", {}),
        ("get", "/performance?start_date=2025-99-01", {}),
        ("get", "/performance?model=%2e%2e%2f", {}),
        ("get", "/performance?start_date=2025-08-01&end_date=2025-07-01", {}),
    ]
    for method, path, kw in nasty:
        resp = getattr(client, method)(path, **kw)
        assert resp.status_code < 500, (path, kw, resp.status_code, resp.text)
        if resp.status_code >= 400:
            assert set(resp.json()) >= {"error", "message"}, resp.text


def test_any_job_id_string_is_a_404_not_a_400(client):
    for job_id in ("x" * 5000, "%20", "1' OR '1'='1", "ü"):
        body = _err(client.get(f"/simulate/status/{job_id}"), 404, "not_found")
        assert "job_id" in body["details"]


@pytest.mark.parametrize("kw", [{}, {"json": {}}, {"content": b"", "headers": {"content-type": "application/json"}}])
def test_empty_trigger_is_the_daily_catch_up_of_the_default_config(client, kw):
    resp = client.post("/simulate/trigger", **kw)
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert sorted(body["models"]) == ["ew", "idle", "mom"]
    assert body["date_range"][0] == "2025-06-03" and body["date_range"][-1] == "2025-10-30"  # after init_date
    assert body["total_model_days"] == 3 * len(body["date_range"])


def test_a_json_body_without_json_content_type_says_how_to_send_it(client):
    """`curl -d '{...}'` sends a form content type: the 400 must say to send JSON, and nothing is queued."""
    resp = client.post(
        "/simulate/trigger",
        content=b'{"start_date": "2025-07-01"}',
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    body = _err(resp, 400, "invalid_request")
    assert "Content-Type: application/json" in body["message"]
    assert _jobs(client) == 0

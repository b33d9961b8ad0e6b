"""Issue 20 against the real server process: a cancel stops a model-day that is running (a scripted model that
sleeps 30 s per step), from the API and from a second process (the CLI), leaving no committed trace of that day;
and a job interrupted by SIGTERM or SIGKILL of `serve` never blocks the next `ai-trader run` of the same config."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.support.stack import alive

from .server import Server, cli, write_config

pytestmark = pytest.mark.slow

SLEEPY = {  # every LLM step takes 30 s: a model-day would run for minutes
    "signature": "sleepy",
    "basemodel": "scripted/momentum_lite",
    "provider": "scripted",
    "script": "momentum_lite",
    "latency_ms": 30_000,
}
CANCEL_DEADLINE_S = (
    15.0  # well under one 30 s LLM step: the abort, not the step ending, stopped it (slack for a loaded machine)
)


def _query(root: Path, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(f"file:{root / 'data' / 'jobs.db'}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _running_day(server: Server) -> str:
    """Trigger the sleepy model over three days; return the job id once its first day runs (its LLM call waits)."""
    resp = server.http.post("/simulate/trigger", json={"config_path": "configs/sleepy.json", "end_date": "2025-07-03"})
    assert resp.status_code == 202, resp.text
    job_id = resp.json()["job_id"]
    server.wait_job(job_id, timeout=60, condition=lambda b: b["progress"]["running"] == 1)
    deadline = time.monotonic() + 60  # the session is open: the model-day is inside its first LLM call
    while not _query(server.root, "SELECT 1 FROM live_sessions WHERE job_id = ?", job_id):
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.05)
    return job_id


def _aborts(server: Server) -> int:
    server.log.flush()
    return (server.root / f"server-{server.port}.log").read_text(errors="replace").count("aborted by the job's cancel")


def _assert_stopped_without_trace(server: Server, job_id: str, started: float, aborts: int) -> None:
    """Within the deadline: the job is cancelled, the worker has aborted the session (its live session deleted,
    the abort logged: `aborts` so far); and nothing of the day was committed."""
    while True:
        body = server.http.get(f"/simulate/status/{job_id}").json()
        live = _query(server.root, "SELECT token FROM live_sessions WHERE job_id = ?", job_id)
        if body["status"] == "cancelled" and not live and _aborts(server) == aborts:
            break
        assert time.monotonic() - started < CANCEL_DEADLINE_S, (body, live, server.output())
        time.sleep(0.05)
    days = {d["date"]: d for d in body["progress"]["details"]}
    assert days["2025-07-01"]["status"] == "skipped"
    assert days["2025-07-01"]["error"] == "cancelled while running; nothing of the day was committed"
    assert {d["status"] for d in days.values()} == {"skipped"} and body["progress"]["running"] == 0
    for table in ("model_days", "trades", "session_records"):  # the only model of this database
        assert _query(server.root, f"SELECT COUNT(*) FROM {table}") == [(0,)], table
    assert _query(server.root, "SELECT COUNT(*) FROM staged_trades") == [(0,)]
    results = server.http.get("/results", params={"date": "2025-07-01", "model": "sleepy"})
    assert results.status_code == 404 or results.json()["results"] == [], results.text
    agent_data = server.root / "data" / "agent_data" / "sleepy"
    assert not (agent_data / "position" / "position.jsonl").exists()
    assert not (agent_data / "log" / "2025-07-01").exists()


def test_cancel_stops_a_running_model_day_from_the_api_and_from_the_cli(e2e_root):
    write_config(e2e_root, "sleepy.json", [SLEEPY], "2025-06-30")
    server = Server(e2e_root)
    try:
        job_id = _running_day(server)
        started = time.monotonic()
        resp = server.http.post(f"/simulate/cancel/{job_id}")
        assert resp.status_code == 200 and resp.json()["status"] == "cancelled", resp.text
        _assert_stopped_without_trace(server, job_id, started, aborts=1)

        # the same days again (nothing was committed), cancelled this time by another process: the CLI
        again = _running_day(server)
        assert again != job_id
        started = time.monotonic()
        done = cli(e2e_root, "cancel", again)
        assert f"Job {again}: cancelled" in done.stdout
        _assert_stopped_without_trace(server, again, started, aborts=2)
        assert server.http.get("/health").status_code == 200  # the worker goes on
    finally:
        server.stop()


SLOW = dict(SLEEPY, signature="slow", latency_ms=120)
BASE = {"signature": "base", "provider": "baseline", "strategy": "equal_weight"}


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_serve_stopped_mid_job_never_blocks_the_next_run(e2e_root, how):
    """The API's job covers 07-01..07-10; `ai-trader run` of the same config asks for 07-01..07-31, a different
    plan: once `serve` is gone, its job is resumed to its end, then the rest is run (before: exit 2, "Different
    simulation already running", until a `worker --drain` happened to recover it)."""
    write_config(e2e_root, "slow.json", [SLOW, BASE], "2025-06-30")
    server = Server(e2e_root)
    worker = server.worker_pid()
    try:
        resp = server.http.post("/simulate/trigger", json={"config_path": "slow.json", "end_date": "2025-07-10"})
        assert resp.status_code == 202, resp.text
        job_id, total = resp.json()["job_id"], resp.json()["total_model_days"]
        mid = server.wait_job(job_id, condition=lambda b: b["progress"]["completed"] >= 8)
        assert mid["status"] == "running" and mid["progress"]["completed"] < total, mid["progress"]
    finally:
        if how == signal.SIGKILL:
            server.kill()
        else:
            assert server.stop() == 0
    # killed, `serve` takes its worker child with it (PR_SET_PDEATHSIG: TERM, so it stops within the grace period)
    deadline = time.monotonic() + 60
    while alive(worker):
        assert time.monotonic() < deadline, "the worker child outlived serve"
        time.sleep(0.1)
    left = cli(e2e_root, "status", job_id, "--json")
    assert json.loads(left.stdout)["status"] == "running"  # as the stopped or killed server left it

    done = cli(e2e_root, "run", str(e2e_root / "configs" / "slow.json"), "--end", "2025-07-31", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Job {job_id} was interrupted" in done.stdout
    first = json.loads(cli(e2e_root, "status", job_id, "--json").stdout)
    assert first["status"] == "completed" and first["progress"]["completed"] == total, first["progress"]
    latest = json.loads(cli(e2e_root, "status", "--json").stdout)  # the run's own job: the rest of July
    assert latest["job_id"] != job_id and latest["status"] == "completed"
    assert latest["date_range"][0] == "2025-07-11" and latest["date_range"][-1] == "2025-07-31"
    days = _query(e2e_root, "SELECT signature, COUNT(*) FROM model_days GROUP BY signature ORDER BY signature")
    assert days == [("base", 22), ("slow", 22)]
    assert "Different simulation already running" not in done.stdout + done.stderr


def test_a_live_workers_job_is_refused_naming_the_job_its_owner_and_its_heartbeat(e2e_root):
    write_config(e2e_root, "sleepy.json", [SLEEPY], "2025-06-30")
    server = Server(e2e_root)
    try:
        job_id = _running_day(server)
        refused = cli(e2e_root, "run", str(e2e_root / "configs" / "sleepy.json"), "--start", "2025-07-07", check=False)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        text = " ".join(refused.stderr.split())
        assert f"Different simulation already running: job {job_id} (running; owner " in text, text
        owner = f":{server.worker_pid()}:"  # the worker child of serve
        assert owner in text and "last heartbeat" in text
        conflict = server.http.post(
            "/simulate/trigger", json={"config_path": "sleepy.json", "start_date": "2025-07-07"}
        )
        assert conflict.status_code == 409
        details = conflict.json()["details"]
        assert details["current_job_id"] == job_id and details["owner_alive"] is True
        assert owner in details["owner"] and details["heartbeat_silent_seconds"] < 60
        server.http.post(f"/simulate/cancel/{job_id}")
    finally:
        server.stop()

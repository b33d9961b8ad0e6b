"""Issue 12 item 6 against real processes: `WORKER_ENABLED=false ai-trader serve` plus a separate `ai-trader worker`.
Workers report through the database, so /health names the live worker, and is 503 only while work is queued and no
live worker exists (e.g. after the worker was killed)."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from .server import BIN, Server, env_for, write_config

pytestmark = pytest.mark.slow

SLEEPY = {
    "signature": "sleepy",
    "basemodel": "scripted/momentum_lite",
    "provider": "scripted",
    "script": "momentum_lite",
    "latency_ms": 30_000,
}


def _health_until(server: Server, status_code: int, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while (resp := server.http.get("/health")).status_code != status_code:
        assert time.monotonic() < deadline, resp.text
        time.sleep(0.05)
    return resp.json()


def test_health_reports_a_worker_in_its_own_process_and_503_when_none_is_left_for_queued_work(e2e_root):
    write_config(e2e_root, "sleepy.json", [SLEEPY], "2025-06-30")
    server = Server(e2e_root, env={"WORKER_ENABLED": "false"})
    worker = None
    try:
        idle = server.http.get("/health")
        assert idle.status_code == 200 and idle.json()["worker"]["status"] == "stopped"  # no work, no worker needed
        resp = server.http.post("/simulate/trigger", json={"config_path": "sleepy.json", "end_date": "2025-07-03"})
        assert resp.status_code == 202, resp.text
        job_id = resp.json()["job_id"]
        waiting = server.http.get("/health")  # before: always 503 "worker stopped", even with a worker elsewhere
        assert waiting.status_code == 503 and waiting.json()["worker"]["queued_jobs"] == 1

        worker = subprocess.Popen(
            [str(BIN), "worker"],
            env=env_for(e2e_root),
            cwd=e2e_root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        body = _health_until(server, 200)
        assert body["worker"]["status"] == "running" and body["worker"]["in_process"] is False
        [live] = body["worker"]["live"]
        assert f":{worker.pid}:" in live["worker_id"] and live["mode"] == "background"
        assert server.wait_job(job_id, until=("running",), timeout=30)["status"] == "running"  # it took the job

        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        gone = _health_until(server, 503)  # its process is gone: not live, and its job is still queued work
        assert gone["worker"]["live"] == [] and gone["worker"]["queued_jobs"] == 1
        assert server.http.post(f"/simulate/cancel/{job_id}").json()["status"] == "cancelled"
        assert server.http.get("/health").status_code == 200  # nothing queued any more
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        server.stop()

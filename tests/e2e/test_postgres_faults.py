"""Issue 14 §2: PostgreSQL drops every worker connection mid-job (what a server restart does to its clients; done
with pg_terminate_backend on the workers' connections only, so other tests sharing the server are untouched). The
workers reconnect and finish the job: every model-day committed exactly once, every ledger continuous."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from tests.support.engines import SERVER

from .workers import Workers, assert_once_and_continuous, live, stack, store_of, until

pytestmark = pytest.mark.slow


@pytest.fixture
def engine() -> str:
    """This module's store is PostgreSQL (a server fault)."""
    return "postgresql"


def test_workers_reconnect_when_postgresql_drops_every_connection_mid_job(e2e_root, database_url):
    app = f"aitr_{uuid.uuid4().hex[:10]}"
    server, request = stack(e2e_root, database_url, 4, 250, "2025-07-09")
    workers = Workers(e2e_root, {"DATABASE_URL": f"{database_url}&application_name={app}"})
    store = store_of(e2e_root, database_url)
    try:
        for _ in range(2):
            workers.start()
        until(lambda: len(live(server)) == 2, 60, "two live workers")
        resp = server.http.post("/simulate/trigger", json=request)
        assert resp.status_code == 202, resp.text
        job_id, total = resp.json()["job_id"], resp.json()["total_model_days"]
        dropped = 0
        with psycopg.connect(SERVER, autocommit=True) as admin:
            for at in (4, 12):
                until(
                    lambda at=at: server.http.get(f"/simulate/status/{job_id}").json()["progress"]["completed"] >= at,
                    120,
                    f"{at} completed days",
                )
                dropped += admin.execute(
                    "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                    (app,),
                ).fetchone()[0]
        assert dropped >= 2
        done = server.wait_job(job_id, timeout=240)
        assert done["status"] == "completed" and done["progress"]["completed"] == total, done["progress"]
        assert_once_and_continuous(store, job_id, [f"m{i}" for i in range(4)])
        assert all(p.poll() is None for p in workers.procs), "the workers reconnected instead of exiting"
    finally:
        workers.stop_all()
        store.close()
        server.stop()

"""Issue 14 §2 against real processes, on both engines: several `ai-trader worker` processes share one store and one
job, claiming model-days with leases. Faults: one of three workers SIGKILLed mid-job; a worker frozen (SIGSTOP) past
its lease, whose day another worker takes over, resumed afterwards: it cannot commit its stale day. Each ends with
the job completed, every model-day committed exactly once and every ledger continuous."""

from __future__ import annotations

import signal

import pytest

from .workers import Workers, assert_once_and_continuous, leases_after, live, stack, store_of, until

pytestmark = [pytest.mark.slow, pytest.mark.both_engines]


def test_sigkill_one_of_three_workers_mid_job_the_others_finish_it_once_and_continuous(e2e_root, database_url):
    server, request = stack(e2e_root, database_url, 6, 250, "2025-07-08")
    workers = Workers(e2e_root, {})
    store = store_of(e2e_root, database_url)
    try:
        procs = [workers.start() for _ in range(3)]
        until(lambda: len(live(server)) == 3, 60, "three live workers")
        resp = server.http.post("/simulate/trigger", json=request)
        assert resp.status_code == 202, resp.text
        job_id, total = resp.json()["job_id"], resp.json()["total_model_days"]
        victim = procs[0]
        held = leases_after(server, job_id, victim, 6)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        done = server.wait_job(job_id, timeout=240)
        assert done["status"] == "completed" and done["progress"]["completed"] == total, done["progress"]
        after = assert_once_and_continuous(store, job_id, [f"m{i}" for i in range(6)])
        with store.read() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM job_details WHERE job_id = ? AND model = ? AND date = ?",
                    (job_id, held[0]["model"], held[0]["date"]),
                )
            ]
        attempts, finisher = after[ids[0]]
        assert f":{victim.pid}:" not in (finisher or ""), "a day the killed worker held was finished by another"
        assert attempts >= 2, "the killed worker's day ran again from its start"
        assert len(live(server)) == 2
    finally:
        workers.stop_all()
        store.close()
        server.stop()


def test_a_worker_frozen_past_its_lease_cannot_commit_the_day_another_worker_took_over(e2e_root, database_url):
    server, request = stack(e2e_root, database_url, 1, 1000, "2025-07-02")
    workers = Workers(e2e_root, {"WORKER_LEASE_SECONDS": "6"})
    store = store_of(e2e_root, database_url)
    try:
        frozen = workers.start()
        until(lambda: len(live(server)) == 1, 60, "the first worker")
        resp = server.http.post("/simulate/trigger", json=request)
        assert resp.status_code == 202, resp.text
        job_id = resp.json()["job_id"]
        [lease] = until(lambda: live(server).get(frozen.pid), 60, "the first worker's lease")
        frozen.send_signal(signal.SIGSTOP)  # alive (same host, pid exists) but silent: only the lease can tell
        other = workers.start()
        taken = until(lambda: live(server).get(other.pid), 60, "the second worker to take the day over")
        assert (taken[0]["model"], taken[0]["date"]) == (lease["model"], lease["date"])
        frozen.send_signal(signal.SIGCONT)  # it finishes its stale session and tries to commit
        done = server.wait_job(job_id, timeout=180)
        assert done["status"] == "completed", done["progress"]
        after = assert_once_and_continuous(store, job_id, ["m0"])
        with store.read() as conn:
            (day,) = conn.execute(
                "SELECT id FROM job_details WHERE job_id = ? AND date = ?", (job_id, lease["date"])
            ).fetchone()
        attempts, finisher = after[day]
        assert attempts >= 2 and f":{frozen.pid}:" not in finisher  # under load a lease may change hands again
        until(lambda: "ended uncommitted" in workers.log(frozen), 60, "the frozen worker to give its day up")
    finally:
        workers.stop_all()
        store.close()
        server.stop()

"""Chain hand-off (jobs/leases.take_next): the commit of a model-day claims the chain's next day for the same
worker in the same transaction, so a worker claims once per chain instead of once per day; a worker that joins later
still gets its fair share of chains (the others let theirs go at their next commit)."""

from __future__ import annotations

import time

import pytest

from ai_trader.jobs.leases import HANDED_ON
from ai_trader.jobs.worker import Worker
from ai_trader.market.prices import PriceView
from ai_trader.service.jobs import JobService
from ai_trader.store import Store
from ai_trader.store import jobs as rows
from tests.support.jobs import trigger

from .conftest import TODAY, write_config
from .continuity import ledger_problems

pytestmark = pytest.mark.both_engines


def claims(store: Store, job_id: str) -> tuple[int, int]:
    """(claims handed on by a commit, other claims) of the job's model-days."""
    with store.read() as conn:
        notes = [
            r[0] or ""
            for r in conn.execute(
                "SELECT detail FROM job_events WHERE job_id = ? AND detail_id IS NOT NULL AND to_status = 'running'",
                (job_id,),
            )
        ]
    handed = sum(n.startswith(HANDED_ON) for n in notes)
    return handed, len(notes) - handed


def test_one_worker_claims_each_chain_once_and_its_commits_hand_on_the_rest(service, store):
    code, body = trigger(service, {"end_date": "2025-07-31"})
    assert code == 202
    Worker(service.settings, store).drain()
    status = service.status(body["job_id"])
    n = status["progress"]["completed"]
    assert status["status"] == "completed" and n == 3 * 36
    assert claims(store, body["job_id"]) == (n - 3, 3)  # one claim per signature, every later day handed on


def test_a_worker_that_joins_later_takes_over_chains_at_their_next_commit(settings, store):
    models = [
        {"signature": f"s{i}", "basemodel": "scripted/momentum_lite", "provider": "scripted",
         "script": "momentum_lite", "latency_ms": 15}
        for i in range(4)
    ]  # fmt: skip
    write_config(settings, models)
    fast = settings.model_copy(update={"worker_lease_seconds": 3.0})  # heartbeat (and fair share) every 1 s
    code, body = trigger(JobService(fast, store, today=lambda: TODAY), {"end_date": "2025-08-29"})
    assert code == 202
    job_id = body["job_id"]
    first, second = Worker(fast, Store(fast.store_url)), Worker(fast, Store(fast.store_url))
    try:
        first.start()
        _until(lambda: _held(store, job_id).get(first.worker_id, 0) == 4, "the first worker holds all 4 chains")
        second.start()
        _until(lambda: _held(store, job_id).get(second.worker_id, 0) >= 1, "the second worker takes chains over")
        _until(lambda: _status(store, job_id) == "completed", "the job completes")
    finally:
        first.stop(5.0)
        second.stop(5.0)
        first.store.close()
        second.store.close()
    with store.read() as conn:
        by = conn.execute(
            "SELECT worker_id, COUNT(*) FROM job_details WHERE job_id = ? GROUP BY worker_id", (job_id,)
        ).fetchall()
        twice = conn.execute("SELECT signature, date FROM model_days GROUP BY signature, date HAVING COUNT(*) > 1")
        assert twice.fetchall() == []
    done = dict(by)
    assert done.get(first.worker_id, 0) > 0 and done.get(second.worker_id, 0) > 0, done
    prices = PriceView.load(store)
    assert [p for m in models for p in ledger_problems(store, prices, m["signature"])] == []


def _held(store: Store, job_id: str) -> dict[str, int]:
    with store.read() as conn:
        return dict(
            conn.execute(
                "SELECT worker_id, COUNT(*) FROM job_details WHERE job_id = ? AND status = 'running'"
                " GROUP BY worker_id",
                (job_id,),
            ).fetchall()
        )


def _status(store: Store, job_id: str) -> str | None:
    with store.read() as conn:
        return rows.job_status(conn, job_id)


def _until(predicate, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def test_an_idle_worker_starts_a_new_job_when_the_store_changes_not_at_its_next_poll(settings, store):
    write_config(settings)
    slow_poll = settings.model_copy(update={"worker_poll_seconds": 60.0})
    worker = Worker(slow_poll, Store(slow_poll.store_url))
    try:
        worker.start()
        _until(lambda: _live_workers(store) == 1, "the worker registered")
        time.sleep(0.3)  # its first tick is over: without the change watch, the next one would be in 60 s
        code, body = trigger(JobService(slow_poll, store, today=lambda: TODAY), {"end_date": "2025-06-20"})
        assert code == 202
        _until(lambda: _status(store, body["job_id"]) == "completed", "the job completes", timeout=30.0)
    finally:
        worker.stop(5.0)
        worker.store.close()


def _live_workers(store: Store) -> int:
    with store.read() as conn:
        return conn.execute("SELECT COUNT(*) FROM workers WHERE stopped_at IS NULL").fetchone()[0]

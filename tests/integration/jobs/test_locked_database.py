"""spec/quality.md "the database locked by another writer": another process holds the SQLite write lock
(BEGIN IMMEDIATE on the same file) right when a model-day wants to commit. The commit waits (busy timeout), and
once the other writer lets go the day commits exactly as it would have without the lock; meanwhile nothing of
the day is visible and readers are not blocked."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from ai_trader.agents.toolbox import InProcessToolbox
from ai_trader.jobs.worker import Worker
from ai_trader.market.prices import PriceView
from ai_trader.service.jobs import JobService
from ai_trader.store import jobs as job_rows
from ai_trader.tools.context import ToolContext, ToolEnv
from tests.integration.scripted_runs import AGENT, ledger_of
from tests.support.jobs import trigger

from .conftest import TODAY, write_config
from .locker import Locker

MODELS = [{"signature": sig, "provider": "scripted", "script": "momentum_lite"} for sig in ("busy", "free")]


class HookedToolbox:
    """The in-process tools; `on_close(ctx)` runs when the competitor is done with them — the executor closes the
    toolbox right before its commit transaction."""

    def __init__(self, inner: InProcessToolbox, on_close: Callable[[ToolContext], None]):
        self.inner, self.on_close = inner, on_close

    def specs(self) -> list[dict[str, Any]]:
        return self.inner.specs()

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        return await self.inner.call(name, arguments)

    async def aclose(self) -> None:
        self.on_close(self.inner.ctx)


@pytest.fixture
def locker(settings, store):
    other = Locker(settings.db_path)
    yield other
    other.close()


def test_a_model_day_waits_for_another_writer_and_commits_after_it_lets_go(settings, store, locker):
    prices = PriceView.load(store)
    played = prices.trading_days("2025-06-10", "2025-10-30")[:3]
    write_config(settings, models=MODELS, **AGENT)
    service = JobService(settings, store, today=lambda: TODAY)
    code, body = trigger(service, {"models": ["busy"], "start_date": played[0], "end_date": played[-1]})
    assert code == 202

    locked = threading.Event()

    def lock_before_commit(ctx: ToolContext) -> None:
        if ctx.date == played[1] and not locked.is_set():
            locker.lock()
            locked.set()

    env = ToolEnv(store, prices, None)
    worker = Worker(
        settings, store, toolbox_factory=lambda ctx: HookedToolbox(InProcessToolbox(env, ctx), lock_before_commit)
    )
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            worker.drain()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=drain, name="drain")
    thread.start()
    try:
        assert locked.wait(60), "the second model-day never reached its commit"
        time.sleep(0.5)  # let the commit run into the lock; it waits (busy timeout 30 s), it does not fail
        # Readers are not blocked by the writer (WAL): the second day is running and nothing of it is visible.
        with store.read() as conn:
            details = {d.date: d.status for d in job_rows.details(conn, body["job_id"])}
            committed = [r[0] for r in conn.execute("SELECT date FROM model_days WHERE signature = 'busy'")]
        assert details == {played[0]: "completed", played[1]: "running", played[2]: "pending"}
        assert committed == [played[0]]
        assert thread.is_alive()
    finally:
        locker.release()
        thread.join(60)
    assert not thread.is_alive() and not errors, errors

    status = service.status(body["job_id"])
    assert status["status"] == "completed" and status["progress"]["completed"] == 3
    assert [d["status"] for d in status["progress"]["details"]] == ["completed"] * 3
    with store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM live_sessions").fetchone()[0] == 0

    # Exactly what the same days give without anybody holding the lock.
    code, body = trigger(service, {"models": ["free"], "start_date": played[0], "end_date": played[-1]})
    assert code == 202
    Worker(settings, store).drain()
    busy = ledger_of(store, "busy")
    assert [d["date"] for d in busy] == played and sum(len(d["trades"]) for d in busy) > 0
    assert busy == ledger_of(store, "free")


class _ImpatientStore:
    """Builds a real Store whose connections give up on a lock after 300 ms (the default busy timeout is 30 s)."""

    @staticmethod
    def open(path):
        from ai_trader.store import Store

        class Impatient(Store):
            def conn(self):
                c = super().conn()
                c.execute("PRAGMA busy_timeout=300")
                return c

        return Impatient(path)


@pytest.mark.parametrize("hold", [0.45, 1.5])
def test_a_lock_held_past_the_busy_timeout_fails_the_day_cleanly_and_never_leaves_the_job_running(settings, hold):
    store = _ImpatientStore.open(settings.db_path)
    other = Locker(settings.db_path)
    try:
        prices = PriceView.load(store)
        played = prices.trading_days("2025-06-10", "2025-10-30")[:3]
        write_config(settings, models=MODELS, **AGENT)
        service = JobService(settings, store, today=lambda: TODAY)
        _, body = trigger(service, {"models": ["busy"], "start_date": played[0], "end_date": played[-1]})

        def grab_the_lock(ctx: ToolContext) -> None:
            if ctx.date == played[1]:
                other.lock()
                threading.Timer(hold, other.release).start()

        env = ToolEnv(store, prices, None)
        Worker(
            settings, store, toolbox_factory=lambda ctx: HookedToolbox(InProcessToolbox(env, ctx), grab_the_lock)
        ).drain()
        time.sleep(hold)
        st = service.status(body["job_id"])
        assert st["status"] == "partial"
        assert [(d["date"], d["status"]) for d in st["progress"]["details"]] == [
            (played[0], "completed"),
            (played[1], "failed"),
            (played[2], "skipped"),
        ]
        assert "locked" in st["progress"]["details"][1]["error"]
        with store.read() as conn:
            days = [r[0] for r in conn.execute("SELECT date FROM model_days WHERE signature = 'busy'")]
        assert days == [played[0]]  # nothing of the failed day, nothing after it
        # the next catch-up resumes from the failed day and completes
        _, again = trigger(service, {"models": ["busy"], "start_date": played[1], "end_date": played[-1]})
        Worker(settings, store).drain()
        assert service.status(again["job_id"])["status"] == "completed"
    finally:
        other.close()
        store.close()

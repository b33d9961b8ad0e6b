"""How a worker waits between ticks: until woken (one of its tasks ended), or `WORKER_POLL_SECONDS` passed, or —
while it is idle — the store changed.

Idle = it runs nothing and its last tick saw no pending or running job in the store. An idle worker watches the
store's change token (`store.changes.Watcher`: SQLite's `PRAGMA data_version`, PostgreSQL's WAL insert position; one
tiny query) every IDLE_WATCH_SECONDS and ticks as soon as anything was committed since its last tick began (`mark`),
so a trigger's new job starts within ~50 ms instead of at the next poll. While any job runs it does not watch: every
commit of its own or of another worker would wake it (and the hand-off, `leases.take_next`, needs no tick); days
that come free then are claimed at the poll. A wake-up is only a hint; the tick reads what there is to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from ..store import Store, db
from ..store.changes import Watcher

IDLE_WATCH_SECONDS = 0.05


class Waiter:
    def __init__(self, store: Store):
        self._watcher = Watcher(store.engine)
        self._mark: Any = None

    def _token(self) -> Any:
        try:
            return self._watcher.token()
        except db.DatabaseError:  # the store is away (a restart): reconnect at the next look; the poll goes on
            self._watcher.close()
            return None

    def mark(self) -> None:
        """At the start of a tick: what the tick will have seen."""
        self._mark = self._token()

    async def wait(self, wake: asyncio.Event, poll_s: float, *, idle: bool) -> None:
        if not idle or self._mark is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), poll_s)
            return
        deadline = time.monotonic() + poll_s
        while (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), min(left, IDLE_WATCH_SECONDS))
                return
            token = self._token()
            if token is not None and token != self._mark:
                return

    def close(self) -> None:
        self._watcher.close()

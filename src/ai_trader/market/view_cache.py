"""`PriceViewCache`: the one cached price view of a process (the API, a job service on its own, the MCP servers),
with one freshness rule.

A `PriceView` is an immutable snapshot of the price store. `get()` reloads it only when the price store changed (an
import, a fetch, a correction): while nothing was committed to the database since the last check
(`store.changes.ChangeWatch`, one PRAGMA) it answers at once; otherwise it compares a cheap fingerprint (the latest
day's bars, index lookups), and a full-table fingerprint (one scan) at most every `full_check_seconds`, to catch
corrections of older bars. `version` grows with every reload (a key for caches of bodies built from the view).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..store import Store
from ..store import prices as price_store
from ..store.changes import ChangeWatch
from .prices import PriceView

FULL_CHECK_SECONDS = 30.0


class PriceViewCache:
    def __init__(
        self,
        store: Store,
        *,
        watch: ChangeWatch | None = None,
        full_check_seconds: float = FULL_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.watch = watch or ChangeWatch(store)
        self.full_check_seconds = full_check_seconds
        self.version = 0  # +1 on every reload
        self._clock = clock
        self._view: PriceView | None = None
        self._latest: tuple | None = None
        self._full: tuple | None = None
        self._checked_full = -float("inf")
        self._seen_generation = -1
        self._full_generation = -1
        self._lock = threading.Lock()

    def _due(self, generation: int) -> bool:
        """The full check is due (time), unless nothing was committed since the last one."""
        return self._clock() - self._checked_full >= self.full_check_seconds and generation != self._full_generation

    def if_current(self) -> PriceView | None:
        """The view when no check is needed (nothing committed since the last one), else None; no SQL but one
        PRAGMA, so safe to call on an event loop."""
        generation = self.watch.generation()
        if self._view is not None and generation == self._seen_generation and not self._due(generation):
            return self._view
        return None

    def get(self) -> PriceView:
        generation = self.watch.generation()
        due = self._due(generation)
        if self._view is not None and generation == self._seen_generation and not due:
            return self._view  # nothing committed since the last check
        with self.store.read() as conn:
            latest = price_store.latest_fingerprint(conn)
            full = price_store.fingerprint(conn) if due else None
        with self._lock:
            changed = self._view is None or latest != self._latest or (full is not None and full != self._full)
            if changed:
                self._view = PriceView.load(self.store)
                self.version += 1
                if full is None:
                    with self.store.read() as conn:
                        full = price_store.fingerprint(conn)
            self._latest = latest
            self._seen_generation = max(self._seen_generation, generation)
            if full is not None:
                self._full, self._checked_full = full, self._clock()
                self._full_generation = generation
            assert self._view is not None  # loaded above when missing
            return self._view

"""What a running service holds: settings, the store, the worker (or None) and a cached point-in-time price view.

The price view is an immutable snapshot; `prices()` reloads it only when the price store changed (new import or
fetch), so read endpoints do not re-read every bar per request. While nothing was committed to the database since
the last call (`freshness.ChangeWatch`, one PRAGMA) it answers at once; otherwise it checks a cheap fingerprint (the
latest day's bars, index lookups), and a full-table fingerprint (one scan) at most every `full_check_seconds` to
catch corrections of older bars.

`responses` caches encoded read responses until the next commit (`freshness.ResponseCache`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..market.prices import PriceView
from ..settings import Settings
from ..store import Store
from ..store import prices as price_store
from .freshness import ChangeWatch, ResponseCache

FULL_CHECK_SECONDS = 30.0


@dataclass
class Runtime:
    settings: Settings
    store: Store
    worker: Any = None  # jobs.worker.Worker when running in-process
    jobs: Any = None  # service.jobs.JobService
    full_check_seconds: float = FULL_CHECK_SECONDS
    _prices: PriceView | None = field(default=None, repr=False)
    _latest: tuple | None = field(default=None, repr=False)
    _full: tuple | None = field(default=None, repr=False)
    _checked_full: float = field(default=0.0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _seen_generation: int = field(default=-1, repr=False)
    _full_generation: int = field(default=-1, repr=False)
    prices_version: int = field(default=0, init=False)  # +1 on every reload of the price view (cache keys)
    watch: ChangeWatch = field(init=False, repr=False)
    responses: ResponseCache = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.watch = ChangeWatch(self.store)
        self.responses = ResponseCache(self.watch)

    def _due(self, generation: int) -> bool:
        """The full check is due (time), unless nothing was committed since the last one."""
        return time.monotonic() - self._checked_full >= self.full_check_seconds and generation != self._full_generation

    def prices_if_current(self) -> PriceView | None:
        """The price view when no check is needed (nothing committed since the last one), else None; no SQL but
        one PRAGMA, so safe to call on the event loop."""
        generation = self.watch.generation()
        if self._prices is not None and generation == self._seen_generation and not self._due(generation):
            return self._prices
        return None

    def prices(self) -> PriceView:
        generation = self.watch.generation()
        due = self._due(generation)
        if self._prices is not None and generation == self._seen_generation and not due:
            return self._prices  # nothing committed since the last check
        with self.store.read() as conn:
            latest = price_store.latest_fingerprint(conn)
            full = price_store.fingerprint(conn) if due else None
        with self._lock:
            changed = self._prices is None or latest != self._latest or (full is not None and full != self._full)
            if changed:
                self._prices = PriceView.load(self.store)
                self.prices_version += 1
                if full is None:
                    with self.store.read() as conn:
                        full = price_store.fingerprint(conn)
            self._latest = latest
            self._seen_generation = max(self._seen_generation, generation)
            if full is not None:
                self._full, self._checked_full = full, time.monotonic()
                self._full_generation = generation
            assert self._prices is not None  # loaded above when missing
            return self._prices

    def close(self) -> None:
        self.watch.close()

    def worker_running(self) -> bool:
        return bool(self.worker is not None and self.worker.is_running())

"""What a running service holds: settings, the store, the worker (or None) and a cached point-in-time price view.

The price view is an immutable snapshot; `prices()` reloads it only when the price store changed (new import or
fetch), so read endpoints do not re-read every bar per request. Each call checks a cheap fingerprint (the latest
day's bars, index lookups); a full-table fingerprint (one scan) is checked at most every `full_check_seconds` to
catch corrections of older bars.
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

    def prices(self) -> PriceView:
        due = time.monotonic() - self._checked_full >= self.full_check_seconds
        with self.store.read() as conn:
            latest = price_store.latest_fingerprint(conn)
            full = price_store.fingerprint(conn) if due else None
        with self._lock:
            changed = self._prices is None or latest != self._latest or (full is not None and full != self._full)
            if changed:
                self._prices = PriceView.load(self.store)
                if full is None:
                    with self.store.read() as conn:
                        full = price_store.fingerprint(conn)
            self._latest = latest
            if full is not None:
                self._full, self._checked_full = full, time.monotonic()
            return self._prices

    def worker_running(self) -> bool:
        return bool(self.worker is not None and self.worker.is_running())

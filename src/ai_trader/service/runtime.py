"""What a running service holds: settings, the store, the worker (or None) and a cached point-in-time price view.

The price view is an immutable snapshot; `prices()` reloads it only when the price store's fingerprint changes
(new import or fetch), so read endpoints do not re-read every bar per request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ..market.prices import PriceView
from ..settings import Settings
from ..store import Store
from ..store import results as rows


@dataclass
class Runtime:
    settings: Settings
    store: Store
    worker: Any = None  # jobs.worker.Worker when running in-process
    jobs: Any = None  # service.jobs.JobService
    _prices: PriceView | None = field(default=None, repr=False)
    _fingerprint: tuple | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def prices(self) -> PriceView:
        with self.store.read() as conn:
            fp = rows.prices_fingerprint(conn)
        with self._lock:
            if self._prices is None or fp != self._fingerprint:
                self._prices = PriceView.load(self.store)
                self._fingerprint = fp
            return self._prices

    def worker_running(self) -> bool:
        return bool(self.worker is not None and self.worker.is_running())

"""What a running service holds: settings, the store, the worker (or None), the job service and the process's one
cached price view (`market.view_cache.PriceViewCache`: reloaded only when the price store changed).

`responses` caches encoded read responses until the next commit (`freshness.ResponseCache`), on the same change
watch as the price view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..market.prices import PriceView
from ..market.view_cache import FULL_CHECK_SECONDS, PriceViewCache
from ..settings import Settings
from ..store import Store
from ..store.changes import ChangeWatch
from .freshness import ResponseCache


@dataclass
class Runtime:
    settings: Settings
    store: Store
    worker: Any = None  # jobs.worker.Worker when running in-process
    jobs: Any = None  # service.jobs.JobService
    full_check_seconds: float = FULL_CHECK_SECONDS
    watch: ChangeWatch = field(init=False, repr=False)
    price_cache: PriceViewCache = field(init=False, repr=False)
    responses: ResponseCache = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.watch = ChangeWatch(self.store)
        self.price_cache = PriceViewCache(self.store, watch=self.watch, full_check_seconds=self.full_check_seconds)
        self.responses = ResponseCache(self.watch)

    def prices(self) -> PriceView:
        return self.price_cache.get()

    def prices_if_current(self) -> PriceView | None:
        return self.price_cache.if_current()

    @property
    def prices_version(self) -> int:
        """+1 on every reload of the price view (cache keys)."""
        return self.price_cache.version

    def close(self) -> None:
        self.watch.close()

    def worker_running(self) -> bool:
        return bool(self.worker is not None and self.worker.is_running())

"""Request pacing against the persisted Alpha Vantage budget (store/budget.py).

`Pacer.acquire(symbol)` blocks (through the injected `sleep`) until the next request may go, records it, and
raises `BudgetExhausted` when the day's budget is used up. The clock and the sleep are injected so tests never
really sleep; the budget day is the America/New_York date of the clock.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from ..store import Store
from ..store import budget as budget_store
from .fetch_plan import market_today

log = logging.getLogger(__name__)
KEEP_DAYS = 7


class BudgetExhausted(Exception):
    pass


class FetchStopped(Exception):
    """The caller asked to stop (worker shutdown) while a request was waiting for its slot."""


class Pacer:
    def __init__(
        self,
        store: Store,
        *,
        per_minute: int,
        per_day: int,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] = time.sleep,
        should_stop: Callable[[], bool] = lambda: False,
    ):
        if per_minute < 1 or per_day < 0:
            raise ValueError("av_requests_per_minute must be >= 1 and av_requests_per_day >= 0")
        self.store, self.per_minute, self.per_day = store, per_minute, per_day
        self.clock, self.sleep, self.should_stop = clock, sleep, should_stop
        with store.write() as conn:
            budget_store.prune(conn, (self._today() - dt.timedelta(days=KEEP_DAYS)).isoformat())

    def _today(self) -> dt.date:
        return market_today(dt.datetime.fromtimestamp(self.clock(), dt.UTC))

    def day(self) -> str:
        return self._today().isoformat()

    def used_today(self) -> int:
        with self.store.read() as conn:
            return budget_store.used_on(conn, self.day())

    def acquire(self, symbol: str) -> None:
        while True:
            with self.store.write() as conn:
                r = budget_store.reserve(
                    conn,
                    day=self.day(),
                    now=self.clock(),
                    symbol=symbol,
                    per_minute=self.per_minute,
                    per_day=self.per_day,
                )
            if r.granted:
                return
            if r.exhausted:
                raise BudgetExhausted(
                    f"the daily Alpha Vantage budget of {self.per_day} requests is used up "
                    f"({self.day()}, America/New_York)"
                )
            if self.should_stop():
                raise FetchStopped("stopped")
            log.debug("pacing: waiting %.1f s before requesting %s", r.wait_s, symbol)
            self.sleep(r.wait_s)

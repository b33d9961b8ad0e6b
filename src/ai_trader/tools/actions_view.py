"""`ActionsView`: a job's snapshot of the splits and dividends that mark a price in `get_price_local` (its pre-split
and cum-dividend notes), loaded once per job with its price view (`jobs/chains.JobRun`), like the prices themselves:
a price lookup then reads no table (it read two per call: ~40 of a model-day's ~100 SQL statements). Without one
(`ToolEnv.actions` None: the MCP tool servers, tests) the tool reads `corporate_actions` as before; both answer the
same (tests/integration/ledger/test_dividends.py). The ledger's own corporate actions (at a day's open) always come
from the table."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from ..store import Store
from ..store import events as event_store


@dataclass(frozen=True)
class ActionsView:
    marks: dict[tuple[str, str], tuple[list[str], list[float]]]  # (kind, symbol) -> (dates, values), by date

    @classmethod
    def load(cls, store: Store) -> ActionsView:
        with store.read() as conn:
            rows = event_store.price_marks(conn)
        marks: dict[tuple[str, str], tuple[list[str], list[float]]] = {}
        for kind, symbol, date, value in rows:
            dates, values = marks.setdefault((kind, symbol), ([], []))
            dates.append(date)
            values.append(value)
        return cls(marks)

    def after(self, kind: str, symbol: str, after: str, until: str) -> list[tuple[str, float]]:
        """(date, value) of the symbol's `kind` ("split": ratio, "dividend": cash per share) in (after, until]."""
        found = self.marks.get((kind, symbol))
        if found is None:
            return []
        dates, values = found
        lo, hi = bisect_right(dates, after), bisect_right(dates, until)
        return list(zip(dates[lo:hi], values[lo:hi], strict=True))

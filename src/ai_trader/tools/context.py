"""The explicit context every tool runs in. The model never chooses it: the service binds it per session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..market.prices import PriceView
    from ..store import Store
    from .actions_view import ActionsView


@dataclass(frozen=True)
class ToolContext:
    """Who trades and when: bound by the executor (in-process) or resolved from a session token (MCP)."""

    signature: str
    date: str  # YYYY-MM-DD, the session's trading day
    token: str  # opaque live-session token (live_sessions.token)
    job_id: str | None = None


class NewsProvider(Protocol):
    def search(self, query: str, cutoff_utc: str, limit: int = 5) -> list[dict[str, Any]]:
        """Articles published strictly before cutoff_utc (ISO 8601 Z), best match first:
        dicts with title, time_published (ISO Z), source, summary, url."""


@dataclass
class ToolEnv:
    """What the tools read and write: the store (live sessions), a point-in-time price view, news."""

    store: Store
    prices: PriceView
    news: NewsProvider | None = None
    trade_fee: float = 0.0
    actions: ActionsView | None = None  # the job's snapshot of price-marking actions (None: read the table)
    extra: dict[str, Any] = field(default_factory=dict)

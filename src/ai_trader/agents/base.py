"""The competitor protocol: anything that can play one model-day through the tools.

A competitor gets a `DayBrief` (what the system prompt shows: date, starting positions, yesterday's
closes, today's opens) and a `Toolbox` (the six tools, in-process or over MCP, already bound to the
session's context). It returns a `SessionResult`; the trades it made live in the session's
intraday book and are committed by the executor, together with this record, in one transaction.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class DayBrief:
    signature: str
    date: str
    cash: float
    positions: dict[str, int]  # holdings at the start of the day (zero omitted)
    prev_date: str | None  # previous trading day (None on the first day of the data)
    prev_closes: dict[str, float]  # previous trading day's closes, tradable universe
    today_opens: dict[str, float]  # today's opens, tradable universe
    tradable: tuple[str, ...]  # the tradable universe, sorted
    job_id: str | None = None
    costs_note: str = ""  # the trading costs in words for the rules line ('' when trading is frictionless)
    splits_note: str = ""  # today's splits of listed or held symbols, in words ('' when there are none)


class Toolbox(Protocol):
    def specs(self) -> list[dict[str, Any]]:
        """OpenAI `tools=[...]` function specs of the six tools."""

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """Run a tool; returns its JSON-able result. Refusals come back as {"error": ...}, never raise
        for a bad argument or an unknown tool."""


@dataclass
class SessionResult:
    provider: str
    basemodel: str | None = None
    total_steps: int = 0
    stop_signal_received: bool = False
    reasoning_summary: str = ""
    tool_usage: dict[str, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    cost_source: str | None = None  # agents/costs.py; None = unknown
    messages: list[dict[str, Any]] = field(default_factory=list)  # AI-Trader log.jsonl "new_messages"
    steps: list[dict[str, Any]] = field(default_factory=list)  # per step: request, response, latency_s, usage


class Competitor(Protocol):
    provider: str

    async def run_day(self, brief: DayBrief, tools: Toolbox) -> SessionResult: ...


@dataclass
class PartialSession:
    """Where a competitor exposes its session while the day runs, so that a failed day (timeout, endpoint error)
    keeps the conversation so far (jobs/executor.py stores it in `failed_sessions`)."""

    result: SessionResult | None = None


partial_session: ContextVar[PartialSession | None] = ContextVar("partial_session", default=None)


def expose_partial(result: SessionResult) -> None:
    """Called by a competitor when its session starts; `result` is then updated in place as the day goes on."""
    holder = partial_session.get()
    if holder is not None:
        holder.result = result

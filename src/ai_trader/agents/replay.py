"""Replay: re-run a model-day from another signature's recorded session, re-issuing its tool calls in order.

The calls come from the recorded `session_records.steps` (`tool_results`: name + decoded arguments), or, for a
record without steps, from the assistant messages' tool calls. Calls whose arguments were unreadable are skipped
(they changed nothing). Given the same start state and prices, the trades and values come out identical; any
result that differs from the recording is counted and named in the summary.
"""

from __future__ import annotations

import json
from typing import Any

from ..store import Store
from ..store import ledger as ledger_store
from ..store import records as record_store
from .base import DayBrief, SessionResult, Toolbox


class ReplayUnavailable(Exception):
    """There is no recorded session to replay for that signature and date."""


def recorded_calls(steps: list[dict[str, Any]], messages: list[dict[str, Any]]) -> list[tuple[str, dict, Any]]:
    """(tool name, arguments, recorded result or None) in the order they were made."""
    out: list[tuple[str, dict, Any]] = []
    if any(isinstance(s, dict) and "tool_results" in s for s in steps):
        for s in steps:
            for r in s.get("tool_results") or []:
                if isinstance(r.get("arguments"), dict) and r.get("name"):
                    out.append((r["name"], r["arguments"], r.get("result")))
        return out
    for m in messages:
        for tc in (m.get("tool_calls") or []) if m.get("role") == "assistant" else []:
            fn = tc.get("function") or {}
            try:
                args = json.loads(fn.get("arguments") or "{}")
            except (TypeError, json.JSONDecodeError):
                continue
            if isinstance(args, dict) and fn.get("name"):
                out.append((fn["name"], args, None))
    return out


class ReplayCompetitor:
    provider = "replay"

    def __init__(self, store: Store, replay_of: str):
        self.store = store
        self.replay_of = replay_of

    def _load(self, date: str) -> tuple[str | None, list[tuple[str, dict, Any]]]:
        with self.store.read() as conn:
            day = ledger_store.model_day(conn, self.replay_of, date)
            record = record_store.session_record(conn, day.id) if day else None
        if record is None:
            raise ReplayUnavailable(f"no recorded session of {self.replay_of!r} on {date} to replay")
        return record.basemodel, recorded_calls(record.steps, record.messages)

    async def run_day(self, brief: DayBrief, tools: Toolbox) -> SessionResult:
        basemodel, calls = self._load(brief.date)
        result = SessionResult(provider=self.provider, basemodel=basemodel, stop_signal_received=True)
        usage: dict[str, int] = {}
        differ: list[str] = []
        tool_results = []
        for i, (name, args, recorded) in enumerate(calls):
            output = await tools.call(name, args)
            usage[name] = usage.get(name, 0) + 1
            tool_results.append({"id": f"replay_{i}", "name": name, "arguments": args, "result": output})
            if recorded is not None and json.loads(json.dumps(output, default=str)) != recorded:
                differ.append(f"{name}#{i}")
            result.messages.append(
                {
                    "role": "tool",
                    "tool_call_id": f"replay_{i}",
                    "content": json.dumps({"tool": name, "arguments": args, "result": output}, default=str),
                }
            )
        result.steps = [{"step": 1, "replay_of": self.replay_of, "tool_results": tool_results}]
        result.total_steps = 1
        result.tool_usage = dict(sorted(usage.items()))
        result.reasoning_summary = f"Replayed {len(calls)} tool calls of {self.replay_of} on {brief.date}" + (
            f"; results differ from the recording: {', '.join(differ)}"
            if differ
            else "; every result matched the recording"
        )
        return result

"""Session records (the conversation and steps of a committed model-day): the row types and their reads. Written by
`store/ledger.commit_model_day` in the model-day's commit transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .db import Connection, Row, chunks, in_clause


@dataclass(frozen=True)
class SessionSummaryRow:
    """A session record without its conversation and steps (what results pages show; cheap to load)."""

    model_day_id: int
    provider: str
    basemodel: str | None
    total_steps: int
    stop_signal_received: bool
    reasoning_summary: str
    tool_usage: dict[str, int]
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    cost_source: str | None  # agents/costs.py; None = unknown (and every row from before migration 0013)


@dataclass(frozen=True)
class SessionRecordRow(SessionSummaryRow):
    """The full session record: the summary plus the conversation (`messages`) and per-step records."""

    messages: list[dict[str, Any]]
    steps: list[dict[str, Any]]


SUMMARY_FIELDS = ("provider", "basemodel", "total_steps", "stop_signal_received", "reasoning_summary", "tool_usage",
                  "prompt_tokens", "completion_tokens", "cost_usd", "cost_source")  # fmt: skip
SESSION_FIELDS = (*SUMMARY_FIELDS, "messages", "steps")
JSON_FIELDS = {"tool_usage", "messages", "steps"}
SESSION_DEFAULTS: dict[str, Any] = {
    "provider": "unknown",
    "basemodel": None,
    "total_steps": 0,
    "stop_signal_received": False,
    "reasoning_summary": "",
    "tool_usage": {},
    "prompt_tokens": 0,
    "completion_tokens": 0,
    "cost_usd": 0.0,
    "cost_source": None,
    "messages": [],
    "steps": [],
}


def _session(r: Row, fields: Sequence[str], row_type: type[SessionSummaryRow]) -> SessionSummaryRow:
    vals = {k: (json.loads(r[k]) if k in JSON_FIELDS else r[k]) for k in fields}
    vals["stop_signal_received"] = bool(vals["stop_signal_received"])
    return row_type(model_day_id=r["model_day_id"], **vals)


def sessions_for(conn: Connection, model_day_ids: Iterable[int]) -> dict[int, SessionSummaryRow]:
    """Session summaries (no messages or steps) of the given model-days, keyed by model-day id."""
    ids = list(model_day_ids)
    out: dict[int, SessionSummaryRow] = {}
    for chunk in chunks(ids):
        where = in_clause("model_day_id", chunk)
        q = f"SELECT model_day_id, {', '.join(SUMMARY_FIELDS)} FROM session_records WHERE {where}"
        for r in conn.execute(q, chunk):
            out[r["model_day_id"]] = _session(r, SUMMARY_FIELDS, SessionSummaryRow)
    return out


def session_record(conn: Connection, model_day_id: int) -> SessionRecordRow | None:
    """The full session record (with messages and steps) of one model-day."""
    r = conn.execute("SELECT * FROM session_records WHERE model_day_id = ?", (model_day_id,)).fetchone()
    return _session(r, SESSION_FIELDS, SessionRecordRow) if r else None  # type: ignore[return-value]


def session_messages(conn: Connection, model_day_id: int) -> list[dict[str, Any]] | None:
    """Only the conversation of one model-day's session record (None: no record); skips decoding the steps."""
    r = conn.execute("SELECT messages FROM session_records WHERE model_day_id = ?", (model_day_id,)).fetchone()
    return json.loads(r[0]) if r else None


def has_sessions(conn: Connection, signature: str) -> bool:
    """Whether any committed model-day of `signature` has a recorded session (what a replay re-issues)."""
    q = "SELECT 1 FROM model_days d JOIN session_records s ON s.model_day_id = d.id WHERE d.signature = ? LIMIT 1"
    return conn.execute(q, (signature,)).fetchone() is not None

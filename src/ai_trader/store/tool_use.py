"""Whether committed model-days used the tools at all (issue 19: "never used a tool" must not pass as "chose cash").

A model-day is flagged `no_tool_use` when its session made no tool call, or sent the finish signal on step 1 (it
answered without acting). Only model integrations are flagged: sessions of `provider` "openai" (any other name a
competitor records, too). Baselines, scripted models and replays (`EXEMPT_PROVIDERS`) never are: their tool use is
fixed by their strategy, script or recording — a scripted buy-and-hold that does nothing after day 1 is doing its
job, not showing a broken integration (and a replay repeats the recorded signature, which is flagged itself).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .db import Connection
from .ledger import _where

NO_TOOL_CALLS = "no_tool_calls"
FINISHED_ON_STEP_1 = "finished_on_step_1"
EXEMPT_PROVIDERS = frozenset({"baseline", "scripted", "replay"})


def no_tool_use_reason(provider: str, total_steps: int, stop_signal: bool, tool_usage: dict[str, int]) -> str | None:
    """Why a model-day is flagged (None: it is not)."""
    if provider in EXEMPT_PROVIDERS:
        return None
    if not any(tool_usage.values()):
        return NO_TOOL_CALLS
    if stop_signal and total_steps == 1:
        return FINISHED_ON_STEP_1
    return None


def tool_use_by_signature(
    conn: Connection,
    start: str | None = None,
    end: str | None = None,
    signatures: Sequence[str] | None = None,
    job_id: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Per signature: {"days", "no_tool_use_days", "no_tool_use_share"} over the committed days with a session
    (exempt providers: days counted, never flagged)."""
    where, args = _where((("d.date >= ?", start), ("d.date <= ?", end), ("d.job_id = ?", job_id)), None)
    if signatures:
        where += f" AND d.signature IN ({', '.join('?' * len(signatures))})"
        args.extend(signatures)
    sql = (
        "SELECT d.signature, s.provider, s.total_steps, s.stop_signal_received, s.tool_usage FROM model_days d"
        f" JOIN session_records s ON s.model_day_id = d.id{where}"
    )
    counts: dict[str, list[int]] = {}
    for sig, provider, steps, stop, usage in conn.execute(sql, args):
        c = counts.setdefault(sig, [0, 0])
        c[0] += 1
        c[1] += no_tool_use_reason(provider, steps, bool(stop), json.loads(usage)) is not None
    return {
        sig: {"days": n, "no_tool_use_days": k, "no_tool_use_share": round(k / n, 4) if n else 0.0}
        for sig, (n, k) in counts.items()
    }

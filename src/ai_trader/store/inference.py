"""What the committed model-days' inference cost, per ledger (signature or run key): tokens, USD and wall time.

Over the committed days in a range that have a recorded session: their prompt and completion tokens, the USD of
those whose cost is known (`session_records.cost_source` not NULL, agents/costs.py) and how many are unknown, and
the wall time of the job model-days that committed them (`job_details.duration_seconds`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .db import Connection
from .ledger import _where


@dataclass(frozen=True)
class InferenceRow:
    days: int  # committed days with a session
    prompt_tokens: int
    completion_tokens: int
    usd_known: float  # the sum over the days whose cost is known
    unknown_days: int  # days whose cost is unknown (counted as 0 in usd_known)
    wall_seconds: float  # the committing model-days' durations (days committed outside a job count 0)


def job_cost(conn: Connection, job_id: str) -> float:
    """The recorded inference cost of the model-days a job committed (unknown costs count 0)."""
    row = conn.execute(
        "SELECT SUM(CASE WHEN s.cost_source IS NULL THEN 0 ELSE s.cost_usd END) FROM model_days d"
        " JOIN session_records s ON s.model_day_id = d.id WHERE d.job_id = ?",
        (job_id,),
    ).fetchone()
    return float(row[0] or 0.0)


def inference_by_signature(
    conn: Connection, start: str | None = None, end: str | None = None, signatures: Sequence[str] | None = None
) -> dict[str, InferenceRow]:
    where, args = _where((("d.date >= ?", start), ("d.date <= ?", end)), None)
    if signatures:
        where += f" AND d.signature IN ({', '.join('?' * len(signatures))})"
        args.extend(signatures)
    sql = (
        "SELECT d.signature, COUNT(*), SUM(s.prompt_tokens), SUM(s.completion_tokens),"
        " SUM(CASE WHEN s.cost_source IS NULL THEN 0 ELSE s.cost_usd END),"
        " SUM(CASE WHEN s.cost_source IS NULL THEN 1 ELSE 0 END), SUM(COALESCE(j.duration_seconds, 0))"
        " FROM model_days d JOIN session_records s ON s.model_day_id = d.id"
        " LEFT JOIN job_details j ON j.job_id = d.job_id AND j.model = d.signature AND j.date = d.date"
        f"{where} GROUP BY d.signature"
    )
    return {
        sig: InferenceRow(int(n), int(p or 0), int(c or 0), float(usd or 0.0), int(unknown or 0), float(wall or 0.0))
        for sig, n, p, c, usd, unknown, wall in conn.execute(sql, args)
    }

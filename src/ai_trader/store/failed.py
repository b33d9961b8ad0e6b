"""SQL of failed model-days' sessions (`failed_sessions`): what the conversation was when the day failed (messages,
per-step timings and tokens, the error). Diagnosis only: never read as ledger truth, never a committed day."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..timeutil import utcnow_iso
from .db import Connection, Row
from .sessions import dumps


@dataclass(frozen=True)
class FailedSession:
    id: int
    job_id: str | None
    signature: str
    date: str
    attempt: int
    error: str
    provider: str | None
    basemodel: str | None
    total_steps: int
    prompt_tokens: int
    completion_tokens: int
    failed_at: str

    def reference(self) -> dict[str, Any]:
        """What job status shows of it (the conversation itself: `messages`)."""
        return {
            "id": self.id,
            "attempt": self.attempt,
            "error": self.error,
            "total_steps": self.total_steps,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "failed_at": self.failed_at,
            "file": f"{self.signature}/log/{self.date}/failed-{self.attempt}.jsonl",
        }


_COLUMNS = (
    "id, job_id, signature, date, attempt, error, provider, basemodel, total_steps, prompt_tokens,"
    " completion_tokens, failed_at"
)


def _row(r: Row) -> FailedSession:
    return FailedSession(*tuple(r))


def insert_failed_session(
    conn: Connection,
    *,
    job_id: str | None,
    signature: str,
    date: str,
    error: str,
    session: dict[str, Any],
) -> FailedSession:
    """Record a failed day's session as the next attempt of its signature and date; call inside a write transaction."""
    attempt = conn.execute(
        "SELECT COALESCE(MAX(attempt), 0) + 1 FROM failed_sessions WHERE signature = ? AND date = ?", (signature, date)
    ).fetchone()[0]
    cur = conn.execute(
        "INSERT INTO failed_sessions(job_id, signature, date, attempt, error, provider, basemodel, total_steps,"
        " prompt_tokens, completion_tokens, messages, steps, failed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
        " RETURNING id",
        (
            job_id,
            signature,
            date,
            attempt,
            error,
            session.get("provider"),
            session.get("basemodel"),
            int(session.get("total_steps") or 0),
            int(session.get("prompt_tokens") or 0),
            int(session.get("completion_tokens") or 0),
            dumps(session.get("messages") or []),
            dumps(session.get("steps") or []),
            utcnow_iso(),
        ),
    )
    r = conn.execute(f"SELECT {_COLUMNS} FROM failed_sessions WHERE id = ?", (cur.fetchall()[0][0],)).fetchone()
    return _row(r)


def failed_sessions_of_job(conn: Connection, job_id: str) -> dict[tuple[str, str], list[FailedSession]]:
    """A job's failed sessions per (date, signature), oldest first."""
    out: dict[tuple[str, str], list[FailedSession]] = {}
    for r in conn.execute(f"SELECT {_COLUMNS} FROM failed_sessions WHERE job_id = ? ORDER BY id", (job_id,)):
        fs = _row(r)
        out.setdefault((fs.date, fs.signature), []).append(fs)
    return out


def failed_session_body(conn: Connection, failed_id: int) -> tuple[FailedSession, list, list] | None:
    """A failed session with its messages and steps."""
    r = conn.execute(f"SELECT {_COLUMNS}, messages, steps FROM failed_sessions WHERE id = ?", (failed_id,)).fetchone()
    if r is None:
        return None
    values = tuple(r)
    return FailedSession(*values[:12]), json.loads(values[12]), json.loads(values[13])


def failed_ids(conn: Connection, signature: str | None = None) -> list[int]:
    sql, args = "SELECT id FROM failed_sessions", []
    if signature is not None:
        sql, args = sql + " WHERE signature = ?", [signature]
    return [r[0] for r in conn.execute(sql + " ORDER BY id", args)]


def failed_between(
    conn: Connection, start: str, end: str, signature: str | None = None, job_id: str | None = None
) -> list[FailedSession]:
    """Failed attempts at days in [start, end] (of one signature, of one job), by date, signature and attempt."""
    sql, args = f"SELECT {_COLUMNS} FROM failed_sessions WHERE date >= ? AND date <= ?", [start, end]
    if signature is not None:
        sql, args = sql + " AND signature = ?", [*args, signature]
    if job_id is not None:
        sql, args = sql + " AND job_id = ?", [*args, job_id]
    return [_row(r) for r in conn.execute(sql + " ORDER BY date, signature, attempt", args)]

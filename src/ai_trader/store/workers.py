"""SQL of the `workers` table: one heartbeat row per worker (migration 0006). Inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from .db import Connection


@dataclass(frozen=True)
class WorkerRow:
    worker_id: str
    host: str
    pid: int
    mode: str
    started_at: str
    heartbeat_at: str
    stopped_at: str | None


def beat(conn: Connection, worker_id: str, *, host: str, pid: int, mode: str, at: str) -> None:
    """Register the worker (first beat) or refresh its heartbeat."""
    conn.execute(
        "INSERT INTO workers(worker_id, host, pid, mode, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(worker_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL",
        (worker_id, host, pid, mode, at, at),
    )


def stopped(conn: Connection, worker_id: str, at: str) -> None:
    conn.execute("UPDATE workers SET stopped_at = ? WHERE worker_id = ?", (at, worker_id))


def running(conn: Connection, *, since: str) -> list[WorkerRow]:
    """Workers not stopped whose last heartbeat is at or after `since`, most recent first."""
    found = conn.execute(
        "SELECT worker_id, host, pid, mode, started_at, heartbeat_at, stopped_at FROM workers "
        "WHERE stopped_at IS NULL AND heartbeat_at >= ? ORDER BY heartbeat_at DESC",
        (since,),
    )
    return [WorkerRow(*r) for r in found]


def prune(conn: Connection, *, before: str) -> int:
    """Forget workers whose last heartbeat is older than `before`."""
    return conn.execute("DELETE FROM workers WHERE heartbeat_at < ?", (before,)).rowcount

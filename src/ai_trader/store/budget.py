"""Alpha Vantage request budget aggregate: the `av_requests` log (one row per HTTP request, retries included).

Rule (`reserve`, inside the caller's write transaction so two processes cannot both take the last slot):
- at most `per_day` requests per budget day (the America/New_York date; Alpha Vantage's free tier: 25);
- consecutive requests at least `60 / per_minute` seconds apart (free tier: 5 per minute → 12 s), which also keeps
  every 60-second window at or below `per_minute`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .db import Connection


@dataclass(frozen=True)
class Reservation:
    """`granted`: the request may go now (it is recorded). Otherwise `exhausted` (the day's budget is used up) or
    wait `wait_s` seconds and ask again."""

    granted: bool
    used_today: int
    wait_s: float = 0.0
    exhausted: bool = False


@dataclass(frozen=True)
class BudgetUsage:
    day: str
    used: int
    last_request_at: float | None


def reserve(conn: Connection, *, day: str, now: float, symbol: str, per_minute: int, per_day: int) -> Reservation:
    used = used_on(conn, day)
    if used >= per_day:
        return Reservation(False, used, exhausted=True)
    last = last_request_at(conn)
    spacing = 60.0 / per_minute
    if last is not None and now < last + spacing:
        return Reservation(False, used, wait_s=last + spacing - now)
    conn.execute("INSERT INTO av_requests(day, at, symbol) VALUES (?, ?, ?)", (day, now, symbol))
    return Reservation(True, used + 1)


def used_on(conn: Connection, day: str) -> int:
    return conn.execute("SELECT COUNT(*) FROM av_requests WHERE day = ?", (day,)).fetchone()[0]


def last_request_at(conn: Connection) -> float | None:
    return conn.execute("SELECT MAX(at) FROM av_requests").fetchone()[0]


def usage(conn: Connection, day: str) -> BudgetUsage:
    return BudgetUsage(day, used_on(conn, day), last_request_at(conn))


def prune(conn: Connection, before_day: str) -> int:
    """Forget requests of budget days before `before_day` (they no longer count); returns rows deleted."""
    return conn.execute("DELETE FROM av_requests WHERE day < ?", (before_day,)).rowcount

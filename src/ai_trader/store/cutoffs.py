"""Models' knowledge cutoffs (`model_cutoffs`, migration 0014): recorded for every signature of a triggered config
(the latest trigger wins; an entry without a cutoff removes the signature's row), read by results and
performance (service/cutoffs.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CutoffRow:
    signature: str
    knowledge_cutoff: str  # as written in the config: YYYY-MM or YYYY-MM-DD
    cutoff_date: str  # the last day it covers


def record_cutoffs(conn: sqlite3.Connection, entries: Iterable[tuple[str, str | None, str | None]], at: str) -> None:
    """(signature, knowledge_cutoff, cutoff_date) of a config's entries; no cutoff: the signature's row removed."""
    for signature, cutoff, last_day in entries:
        if cutoff is None or last_day is None:
            conn.execute("DELETE FROM model_cutoffs WHERE signature = ?", (signature,))
            continue
        conn.execute(
            "INSERT INTO model_cutoffs(signature, knowledge_cutoff, cutoff_date, recorded_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (signature) DO UPDATE SET knowledge_cutoff = excluded.knowledge_cutoff,"
            " cutoff_date = excluded.cutoff_date, recorded_at = excluded.recorded_at",
            (signature, cutoff, last_day, at),
        )


def cutoffs(conn: sqlite3.Connection) -> dict[str, CutoffRow]:
    rows = conn.execute("SELECT signature, knowledge_cutoff, cutoff_date FROM model_cutoffs").fetchall()
    return {r[0]: CutoffRow(*r) for r in rows}

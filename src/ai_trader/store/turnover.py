"""SQL of the traded notional behind the cost sensitivity (ledger/sensitivity.py): per signature and day, the sum of
`total` (amount * price) over its buys and sells."""

from __future__ import annotations

from collections.abc import Sequence

from .db import Connection


def traded_notional(
    conn: Connection,
    start: str | None = None,
    end: str | None = None,
    signatures: Sequence[str] | None = None,
) -> dict[str, dict[str, float]]:
    """signature -> date -> traded notional, for trades with dates in [start, end] (either bound optional)."""
    sql, args = "SELECT signature, date, SUM(total) FROM trades WHERE 1=1", list[str]()
    if start is not None:
        sql += " AND date >= ?"
        args.append(start)
    if end is not None:
        sql += " AND date <= ?"
        args.append(end)
    if signatures:
        sql += f" AND signature IN ({', '.join('?' * len(signatures))})"
        args.extend(signatures)
    out: dict[str, dict[str, float]] = {}
    for sig, date, total in conn.execute(sql + " GROUP BY signature, date", args):
        out.setdefault(sig, {})[date] = total
    return out

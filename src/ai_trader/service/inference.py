"""The `inference` of a leaderboard row (issue 18 §3): what the ledger's committed days cost to infer.

`{"days", "usd", "unknown_days", "usd_per_day", "tokens": {"prompt", "completion", "total"}, "tokens_per_day",
"wall_seconds", "excess_return_per_usd"}` over the row's committed days with a recorded session
(`store/inference.py`): `usd` is null — **unknown** — when any day's cost is unknown (`unknown_days` > 0; the known
part is `usd_known`), never a silent 0; `usd_per_day` = usd / trading days; `excess_return_per_usd` = (the row's
cumulative return − QQQ's over the same days) / usd (null when usd is unknown or 0).
"""

from __future__ import annotations

from typing import Any

from ..store.inference import InferenceRow


def inference_body(
    row: InferenceRow | None, days: int, cumulative_return: float, benchmark_return: float | None
) -> dict[str, Any] | None:
    if row is None:
        return None
    usd = None if row.unknown_days else round(row.usd_known, 6)
    tokens = row.prompt_tokens + row.completion_tokens
    per_usd = None
    if usd and benchmark_return is not None:
        per_usd = (cumulative_return - benchmark_return) / usd
    return {
        "days": row.days,
        "usd": usd,
        "usd_known": round(row.usd_known, 6),
        "unknown_days": row.unknown_days,
        "usd_per_day": None if usd is None or not days else usd / days,
        "tokens": {"prompt": row.prompt_tokens, "completion": row.completion_tokens, "total": tokens},
        "tokens_per_day": tokens / days if days else None,
        "wall_seconds": round(row.wall_seconds, 3),
        "excess_return_per_usd": per_usd,
    }


def compounded(returns: dict[str, float], days: list[str]) -> float | None:
    """prod(1 + r_d) - 1 over `days` of a {date: return} map (None when a day is missing)."""
    out = 1.0
    for d in days:
        if d not in returns:
            return None
        out *= 1 + returns[d]
    return out - 1

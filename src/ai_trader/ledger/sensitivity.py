"""Cost sensitivity of a signature's result: its cumulative return re-valued at other trading costs, and its turnover.

An approximation (README "Trade rules", "Cost sensitivity"), not a re-run: the same trades are kept, and on each
trade day `bps / 10000 * notional` (notional = amount * price of every buy and sell that day: the cost is per side)
is deducted from cash and carried forward, so the re-valued value of day d is
`V'_d = V_d - bps / 10000 * (sum of notional on days <= d)`. The re-valued cumulative return is
`V'_last / initial - 1`. The costs the ledger already charged stay in V, so `0` bps is the recorded result.
Turnover is `sum of notional / mean(V_d)` over the range (1.0: the portfolio's average value traded once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

BPS_PER_SIDE = (0, 5, 10, 25)


def revalued(values: Sequence[tuple[str, float]], notional: Mapping[str, float], bps: float) -> list[float]:
    """V'_d of every day (see the module docstring)."""
    paid, out = 0.0, []
    for date, value in values:
        paid += notional.get(date, 0.0) * bps / 10000
        out.append(value - paid)
    return out


def cost_sensitivity(
    values: Sequence[tuple[str, float]], initial: float, notional: Mapping[str, float], bps_list=BPS_PER_SIDE
) -> dict[str, Any]:
    """`{"turnover", "cost_sensitivity": [{"bps_per_side", "final_value", "cumulative_return"}]}` of one signature:
    `values` = its (date, portfolio value) in the range, `notional` = date -> traded notional that day."""
    mean = sum(v for _, v in values) / len(values) if values else 0.0
    traded = sum(notional.get(d, 0.0) for d, _ in values)
    rows = []
    for bps in bps_list:
        final = revalued(values, notional, bps)[-1] if values else initial
        rows.append(
            {
                "bps_per_side": bps,
                "final_value": final,
                "cumulative_return": final / initial - 1 if initial else 0.0,
            }
        )
    return {"turnover": traded / mean if mean else 0.0, "cost_sensitivity": rows}

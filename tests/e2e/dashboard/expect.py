"""What the page should show: the dashboard's number formats (format.js) restated in Python, and page readers."""

from __future__ import annotations

import math
from typing import Any

DASH = "—"


def _ok(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def money(v: Any) -> str:
    return (("-$" if v < 0 else "$") + f"{abs(v):,.2f}") if _ok(v) else DASH


def pct(v: Any) -> str:
    return (("+" if v > 0 else "") + f"{v * 100:.2f}%") if _ok(v) else DASH


def ratio(v: Any) -> str:
    return f"{v:.2f}" if _ok(v) else DASH


def integer(v: Any) -> str:
    return str(round(v)) if _ok(v) else DASH


def usd(v: Any) -> str:
    return (("-$" if v < 0 else "$") + f"{abs(v):.4f}") if _ok(v) else DASH


def _interval(row: dict[str, Any]) -> str:
    cum = ((row.get("statistics") or {}).get("metrics") or {}).get("cumulative_return") or {}
    lo, hi = cum.get("ci_low"), cum.get("ci_high")
    return f"[{pct(lo)}, {pct(hi)}]" if _ok(lo) and _ok(hi) else DASH


def _cost(row: dict[str, Any]) -> str:
    inference = row.get("inference")
    if not inference:
        return DASH
    return "unknown" if inference.get("usd") is None else usd(inference["usd"])


def no_tool_use(used: dict[str, Any] | None) -> str:
    """The leaderboard's "No tool use" cell: "—" without recorded sessions, "0", or "k of n days"."""
    if not used:
        return DASH
    return f"{used['no_tool_use_days']} of {used['days']} days" if used["no_tool_use_days"] else "0"


def expected_rows(perf: dict[str, Any]) -> dict[str, dict[str, str]]:
    """signature -> column -> text, from a /performance body (vs QQQ = cumulative return - QQQ's; the 95 % interval
    of the cumulative return, tier and inference cost from the rows' `statistics` and `inference`)."""
    bench = (perf.get("benchmark") or {}).get("cumulative_return")
    out = {}
    for row in perf["leaderboard"]:
        m = row["metrics"]
        cum = m["cumulative_return"]
        out[row["model"]] = {
            "rank": integer(row["rank"]),
            "signature": row["model"],
            "portfolio_value": money(row["final_value"]),
            "cumulative_return": pct(cum),
            "sharpe": ratio(m["sharpe"]),
            "max_drawdown": pct(m["max_drawdown"]),
            "trades": integer(m["trades"]),
            "vs_qqq": pct(cum - bench) if bench is not None else DASH,
            "no_tool_use": no_tool_use(row.get("tool_use")),
            "knowledge_cutoff": row.get("knowledge_cutoff") or DASH,
            "post_cutoff_return": pct(((row.get("post_cutoff") or {}).get("metrics") or {}).get("cumulative_return")),
            "return_ci": _interval(row),
            "tier": integer((row.get("statistics") or {}).get("tier")),
            "cost_usd": _cost(row),
        }
    return out


READ_LEADERBOARD = """() => [...document.querySelectorAll('[data-testid=leaderboard-row]')].map(tr => {
  const o = {};
  for (const td of tr.querySelectorAll('td')) o[td.dataset.col] = td.textContent.trim();
  return o;
})"""

READ_HOLDINGS = """() => [...document.querySelectorAll('[data-testid=holding-row]')].map(tr => {
  const td = tr.querySelectorAll('td');
  return {symbol: tr.dataset.symbol, shares: td[1].textContent, value: td[3].textContent,
          weight: td[4].dataset.value === '' ? null : Number(td[4].dataset.value)};
})"""


def wait_loaded(page, timeout_ms: int = 20_000) -> None:
    page.wait_for_selector("body[data-loaded=true]", timeout=timeout_ms)
    page.wait_for_selector("#signature-card[data-loaded=true]", timeout=timeout_ms)

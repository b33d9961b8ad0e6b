"""The session's system prompt and first user message (AI-Trader's wording, with the day's data as JSON).

The data blocks are JSON (one object per line) so any model — and the scripted model — can read them exactly.
"""

from __future__ import annotations

import json
import re

from .base import DayBrief

STOP_SIGNAL = "<FINISH_SIGNAL>"

SYSTEM_TEMPLATE = """You are a stock fundamental analysis trading assistant.

Your goals are:
- Think and reason by calling available tools.
- You need to think about the prices of various stocks and their returns.
- Your long-term goal is to maximize returns through this portfolio.
- Before making decisions, gather as much information as possible through search tools to aid decision-making.

Thinking standards:
- Clearly show key intermediate steps:
  - Read input of yesterday's positions and today's prices
  - Update valuation and adjust weights for each target (if strategy requires)

Notes:
- You don't need to request user permission during operations, you can execute directly
- You must execute operations by calling tools, directly output operations will not be accepted
- Trades fill at today's opening price; amounts are whole numbers of shares; you cannot spend more cash than you have
  or sell shares you do not hold.

Here is the information you need:

Today's date:
{date}

Yesterday's closing positions (numbers after stock codes represent how many shares you hold, numbers after CASH represent your available cash):
{positions}

Yesterday's closing prices ({prev_date}):
{yesterday_close_price}

Today's buying prices:
{today_buy_price}

When you think your task is complete, output
{stop_signal}
"""  # noqa: E501  AI-Trader's prompt wording, kept verbatim (reflowing would change the prompt)


def _json(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(", ", ": "))


def system_prompt(brief: DayBrief) -> str:
    positions = {**{s: n for s, n in sorted(brief.positions.items()) if n}, "CASH": round(brief.cash, 2)}
    return SYSTEM_TEMPLATE.format(
        date=brief.date,
        positions=_json(positions),
        prev_date=brief.prev_date or "none: first trading day in the data",
        yesterday_close_price=_json(dict(sorted(brief.prev_closes.items()))),
        today_buy_price=_json(dict(sorted(brief.today_opens.items()))),
        stop_signal=STOP_SIGNAL,
    )


def user_prompt(date: str) -> str:
    return f"Please analyze and update today's ({date}) positions."


_BLOCKS = {
    "date": r"Today's date:\n(.+)\n",
    "positions": r"Yesterday's closing positions[^\n]*:\n(.+)\n",
    "prev_date": r"Yesterday's closing prices \((.+)\):\n",
    "prev_closes": r"Yesterday's closing prices [^\n]*:\n(.+)\n",
    "today_opens": r"Today's buying prices:\n(.+)\n",
}


def read_system_prompt(text: str) -> dict[str, object]:
    """The data blocks of a system prompt made by `system_prompt` (used by the scripted model).

    Returns date, prev_date (None on the first day), positions (with CASH), prev_closes, today_opens; raises
    ValueError when a block is missing."""
    out: dict[str, object] = {}
    for key, pattern in _BLOCKS.items():
        m = re.search(pattern, text)
        if not m:
            raise ValueError(f"system prompt has no {key} block")
        value = m.group(1).strip()
        out[key] = value if key in ("date", "prev_date") else json.loads(value)
    if str(out["prev_date"]).startswith("none"):
        out["prev_date"] = None
    return out

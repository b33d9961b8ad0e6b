"""The session's system prompt and first user message (AI-Trader's wording, with the day's data as JSON).

The data blocks are JSON (one object per line) so any model — and the scripted model — can read them exactly.

`prompt_format: "compact"` (opt-in per model entry) states the same facts in fewer tokens: the two price objects
(yesterday's closes, today's opens: the symbol written twice, quoted) become one table, one line per symbol,
`SYMBOL CLOSE OPEN`, the numbers written exactly as in the JSON form, `-` where a symbol has no price. Everything
else (instructions, date, positions, finish signal) is the same text.
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
  or sell shares you do not hold.{costs}

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


COMPACT_PRICES = """Yesterday's closing prices ({prev_date}) and today's buying prices, one line per symbol ("-": none):
SYMBOL CLOSE OPEN
{table}
"""
_STANDARD_PRICES = SYSTEM_TEMPLATE[
    SYSTEM_TEMPLATE.index("Yesterday's closing prices (") : SYSTEM_TEMPLATE.index("When you think")
]
COMPACT_TEMPLATE = SYSTEM_TEMPLATE.replace(_STANDARD_PRICES, "{compact_prices}\n")


def _json(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(", ", ": "))


def _num(v: float | None) -> str:
    return "-" if v is None else json.dumps(v)


def price_table(closes: dict[str, float], opens: dict[str, float]) -> str:
    return "\n".join(f"{s} {_num(closes.get(s))} {_num(opens.get(s))}" for s in sorted(set(closes) | set(opens)))


def _costs(brief: DayBrief) -> str:
    """The rules line's trading costs and today's splits (nothing when there are none: the prompt is AI-Trader's)."""
    costs = f"\n- Trading costs: {brief.costs_note}; you cannot buy unless cash covers them too."
    splits = f"\n- Corporate actions today: {brief.splits_note}."
    return (costs if brief.costs_note else "") + (splits if brief.splits_note else "")


def system_prompt(brief: DayBrief, prompt_format: str = "standard") -> str:
    positions = {**{s: n for s, n in sorted(brief.positions.items()) if n}, "CASH": round(brief.cash, 2)}
    prev_date = brief.prev_date or "none: first trading day in the data"
    if prompt_format == "compact":
        table = price_table(brief.prev_closes, brief.today_opens)
        return COMPACT_TEMPLATE.format(
            date=brief.date,
            positions=_json(positions),
            compact_prices=COMPACT_PRICES.format(prev_date=prev_date, table=table),
            stop_signal=STOP_SIGNAL,
            costs=_costs(brief),
        )
    return SYSTEM_TEMPLATE.format(
        date=brief.date,
        positions=_json(positions),
        prev_date=prev_date,
        yesterday_close_price=_json(dict(sorted(brief.prev_closes.items()))),
        today_buy_price=_json(dict(sorted(brief.today_opens.items()))),
        stop_signal=STOP_SIGNAL,
        costs=_costs(brief),
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
    ValueError when a block is missing. Reads both prompt formats."""
    out: dict[str, object] = {}
    compact = _COMPACT.search(text)
    if compact:
        out.update(_read_table(compact.group(1), compact.group(2)))
    for key, pattern in _BLOCKS.items():
        if compact and key in out:
            continue
        m = re.search(pattern, text)
        if not m:
            raise ValueError(f"system prompt has no {key} block")
        value = m.group(1).strip()
        out[key] = value if key in ("date", "prev_date") else json.loads(value)
    if str(out["prev_date"]).startswith("none"):
        out["prev_date"] = None
    return out


_COMPACT = re.compile(
    r"Yesterday's closing prices \((.+?)\) and today's buying prices, one line per symbol[^\n]*:\n"
    r"SYMBOL CLOSE OPEN\n(.*?)\n\n",
    re.DOTALL,
)


def _read_table(prev_date: str, table: str) -> dict[str, object]:
    closes: dict[str, float] = {}
    opens: dict[str, float] = {}
    for line in table.splitlines():
        symbol, close, open_ = line.split()
        if close != "-":
            closes[symbol] = json.loads(close)
        if open_ != "-":
            opens[symbol] = json.loads(open_)
    return {"prev_date": prev_date, "prev_closes": closes, "today_opens": opens}

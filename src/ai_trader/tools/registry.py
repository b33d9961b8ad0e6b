"""Tool specs (OpenAI function calling; names and arguments as AI-Trader) and one validating dispatcher.

`call_tool(env, ctx, name, arguments)` is synchronous (every tool is a dict lookup or one short SQLite transaction)
and never raises for model input: an unknown tool, a non-object argument set, a missing, unexpected or wrong-typed
argument all come back as `{"error": "..."}`. `amount` is type-checked by the trade rules themselves (which also
accept `5.0` and `"5"`); everything else must have its JSON type.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from . import functions as f
from .context import ToolContext, ToolEnv

log = logging.getLogger(__name__)


def _spec(name: str, description: str, params: dict[str, tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {k: {"type": t, "description": d} for k, (t, d) in params.items()},
                "required": list(params),
            },
        },
    }


_AB = {"a": ("number", "first number"), "b": ("number", "second number")}
_TRADE = {"symbol": ("string", "ticker, e.g. AAPL"), "amount": ("integer", "number of shares, a positive whole number")}

TOOL_SPECS: list[dict[str, Any]] = [
    _spec("add", "Add two numbers (a + b).", _AB),
    _spec("multiply", "Multiply two numbers (a * b).", _AB),
    _spec(
        "get_information",
        "Search news published before today's market open; returns matching articles "
        "(title, time, source, summary, url).",
        {"query": ("string", "what to search for")},
    ),
    _spec("buy", "Buy shares at today's opening price. Returns the new positions including CASH, or an error.", _TRADE),
    _spec(
        "sell", "Sell shares at today's opening price. Returns the new positions including CASH, or an error.", _TRADE
    ),
    _spec(
        "get_price_local",
        "Daily price bar of a symbol: the full bar for earlier trading days, only the open "
        "for today, nothing for later days.",
        {"symbol": ("string", "ticker, e.g. AAPL"), "date": ("string", "trading day, YYYY-MM-DD")},
    ),
]
SPECS_BY_NAME = {s["function"]["name"]: s for s in TOOL_SPECS}

TOOL_SERVERS: dict[str, list[str]] = {
    "math": ["add", "multiply"],
    "search": ["get_information"],
    "trade": ["buy", "sell"],
    "price": ["get_price_local"],
}

_RUN: dict[str, Callable[[ToolEnv, ToolContext, dict[str, Any]], Any]] = {
    "add": lambda env, ctx, a: f.add(a["a"], a["b"]),
    "multiply": lambda env, ctx, a: f.multiply(a["a"], a["b"]),
    "get_information": lambda env, ctx, a: f.get_information(env, ctx, a["query"]),
    "buy": lambda env, ctx, a: f.buy(env, ctx, a["symbol"], a["amount"]),
    "sell": lambda env, ctx, a: f.sell(env, ctx, a["symbol"], a["amount"]),
    "get_price_local": lambda env, ctx, a: f.get_price_local(env, ctx, a["symbol"], a["date"]),
}


def _type_ok(value: Any, json_type: str) -> bool:
    if json_type == "string":
        return isinstance(value, str)
    if json_type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return True  # "integer" (amount): the trade rules check it with a precise message


def validate_arguments(name: str, arguments: Any) -> str | None:
    """A readable problem with the call, or None when it may run."""
    spec = SPECS_BY_NAME.get(name)
    if spec is None:
        return f"unknown tool {name!r}; available tools: {', '.join(SPECS_BY_NAME)}"
    if not isinstance(arguments, dict):
        return f"arguments of {name} must be a JSON object"
    props = spec["function"]["parameters"]["properties"]
    missing = [k for k in props if k not in arguments]
    if missing:
        return f"{name} is missing argument(s): {', '.join(missing)}"
    extra = [k for k in arguments if k not in props]
    if extra:
        return f"{name} got unexpected argument(s): {', '.join(map(str, extra))}; it takes {', '.join(props)}"
    for k, p in props.items():
        if not _type_ok(arguments[k], p["type"]):
            return f"argument {k} of {name} must be a {p['type']}, got {type(arguments[k]).__name__}"
    return None


def call_tool(env: ToolEnv, ctx: ToolContext, name: str, arguments: Any) -> Any:
    """Run one tool call; refusals and bad calls return {"error": ...}."""
    problem = validate_arguments(name, arguments)
    if problem:
        return {"error": problem}
    try:
        return _RUN[name](env, ctx, arguments)
    except Exception as exc:  # a bug must not crash the session; the model sees an error, the log has the trace
        log.exception("tool %s failed", name)
        return {"error": f"{name} failed: {type(exc).__name__}"}

"""Reading tool calls as real endpoints send them, and turning results into tool messages.

Endpoints differ: arguments arrive as a JSON object string (the standard), as a JSON string that itself holds
the JSON object (double-encoded), as an already-decoded object, empty, or as garbage. Content may be null.
Anything unreadable becomes an error the model can read in its tool message — never an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    raw_arguments: str  # as sent (a JSON string), echoed back in the assistant message
    arguments: dict[str, Any] | None  # decoded; None when unreadable
    error: str | None = None  # why the arguments could not be read


def parse_arguments(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """(arguments, None) or (None, error message)."""
    value = raw
    for depth in range(3):  # a string may hold JSON that is itself a JSON string of an object
        if value is None or (isinstance(value, str) and not value.strip()):
            return {}, None
        if not isinstance(value, str) or (depth and not value.lstrip().startswith("{")):
            break
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError) as exc:
            shown = value if len(value) <= 200 else value[:200] + "…"
            return None, f"arguments are not valid JSON ({getattr(exc, 'msg', exc)}): {shown!r}"
    if not isinstance(value, dict):
        return None, f"arguments must be a JSON object of named arguments, got {type(value).__name__}"
    return value, None


def parse_tool_calls(raw_calls: list[dict[str, Any]] | None, step: int) -> list[ToolCall]:
    calls = []
    for i, tc in enumerate(raw_calls or []):
        fn = tc.get("function") or {}
        raw_name, raw_id = fn.get("name"), tc.get("id")
        name = raw_name if isinstance(raw_name, str) else ""
        raw = fn.get("arguments")
        args, err = parse_arguments(raw)
        raw_text = raw if isinstance(raw, str) else json.dumps(raw if raw is not None else {})
        call_id = raw_id if isinstance(raw_id, str) and raw_id else f"call_{step}_{i}"
        calls.append(ToolCall(call_id, name, raw_text, args, err))
    return calls


def assistant_message(content: str, calls: list[ToolCall]) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": "assistant", "content": content or ""}
    if calls:
        msg["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.raw_arguments}} for c in calls
        ]
    return msg


def result_text(result: Any) -> str:
    """What the model reads: strings as they are, everything else as JSON."""
    return result if isinstance(result, str) else json.dumps(result, default=str)


def tool_message(call: ToolCall, result: Any) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call.id, "content": result_text(result)}

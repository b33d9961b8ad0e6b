"""A conversation that outgrows the model's context window, and replies cut off at `max_tokens`.

Context overflow: an endpoint answering HTTP 400 with `context_length_exceeded` (OpenAI's code; llama.cpp and vLLM
say "maximum context length" / "exceeds the available context size") cannot answer this conversation at all.
Rule: the content of every tool message except those answering the latest assistant message is replaced by
`TRIMMED` (the messages stay, so every tool call keeps its answer), and the request is sent once more. If it still
overflows, or nothing was left to trim, the session ends cleanly: the day commits what it did so far, and the
reason is in the session's summary and its last step record (`ended`).

Truncation: a reply with `finish_reason: "length"` whose tool call's arguments cannot be read gets a tool error that
says the reply was cut off (`truncated_call_error`), so the model (and whoever reads the log) knows why.
"""

from __future__ import annotations

import json
from typing import Any

import openai

TRIMMED = json.dumps({"trimmed": "older tool result removed to fit the model's context window"})
OVERFLOW_MARKERS = ("context_length_exceeded", "maximum context length", "context size", "context window")
ENDED_OVERFLOW = "context_length_exceeded"


def is_context_overflow(exc: BaseException | None) -> bool:
    if not isinstance(exc, openai.BadRequestError):
        return False
    text = f"{getattr(exc, 'code', '') or ''} {exc}".lower()
    return any(m in text for m in OVERFLOW_MARKERS)


def trim_tool_results(messages: list[dict[str, Any]]) -> int:
    """Apply the rule above in place; returns how many tool results were trimmed."""
    last_assistant = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
    trimmed = 0
    for i, m in enumerate(messages):
        if i < last_assistant and m.get("role") == "tool" and m.get("content") != TRIMMED:
            m["content"] = TRIMMED
            trimmed += 1
    return trimmed


def truncated_call_error(error: str, finish_reason: Any) -> str:
    if finish_reason != "length":
        return error
    return (
        f"{error} — the reply was cut off (finish_reason 'length': max_tokens reached) in the middle of this tool"
        " call; send a shorter call"
    )


def overflow_reason(error: BaseException) -> str:
    return (
        "session ended: the conversation no longer fits the model's context window (HTTP 400 context_length_exceeded,"
        f" still after trimming older tool results): {error}"
    )

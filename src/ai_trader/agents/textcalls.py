"""Tool calls written as text in the reply's content (servers whose chat template does not produce `tool_calls`).

Recognised, in this order (each match is cut out of the text; what is left is the answer):
- `hermes`: Hermes / Qwen `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` (one call per block; a last
  block left open at the end of the reply is read too);
- `mistral`: `[TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]`, or the newer `[TOOL_CALLS]name[ARGS]{...}`;
- `functions`: llama-cpp-python's `chatml-function-calling` text, `functions.NAME:` followed by a JSON object of
  arguments (none: `{}`);
- `json`: bare JSON anywhere in the text (also inside a ```json fence): an object
  `{"name": ..., "arguments" | "parameters": {...}}`, an OpenAI-shaped `{"type": "function", "function": {...}}`,
  `{"tool_calls": [...]}`, or a list of those.
Arguments may be an object or a JSON string (decoded by toolcalls.parse_arguments, like native arguments).
"""

from __future__ import annotations

import json
import re
from typing import Any

HERMES = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
MISTRAL_TAG = "[TOOL_CALLS]"
MISTRAL_ARGS = re.compile(r"\s*([A-Za-z_][\w.-]*)\[ARGS\]")
FUNCTIONS = re.compile(r"(?<![\w.])functions\.([A-Za-z_][\w-]*)\s*:?")
EMPTY_FENCE = re.compile(r"```[A-Za-z]*\s*```")
_decoder = json.JSONDecoder()

TextCall = tuple[str, Any, str]  # (name, arguments as given: object, JSON string or None, format)


def _call(obj: Any) -> tuple[str, Any] | None:
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict):  # {"type": "function", "function": {"name", "arguments"}}
        obj = obj["function"]
    name = obj.get("name")
    if not isinstance(name, str) or not name or not ({"arguments", "parameters"} & obj.keys()):
        return None
    return name, obj.get("arguments", obj.get("parameters"))


def _calls(obj: Any) -> list[tuple[str, Any]] | None:
    """The calls a decoded JSON value holds, or None when it is not a tool call (or a list of only tool calls)."""
    if isinstance(obj, dict) and isinstance(obj.get("tool_calls"), list):
        obj = obj["tool_calls"]
    items = obj if isinstance(obj, list) else [obj]
    found = [_call(x) for x in items]
    if not items or any(c is None for c in found):
        return None
    return [c for c in found if c is not None]


def _decode_at(text: str, i: int) -> tuple[Any, int] | None:
    try:
        return _decoder.raw_decode(text, i)
    except (json.JSONDecodeError, RecursionError):
        return None


def _hermes(text: str, out: list[TextCall]) -> str:
    def one(m: re.Match[str]) -> str:
        decoded = _decode_at(m.group(1), 0)
        calls = _calls(decoded[0]) if decoded else None
        if calls is None:
            return m.group(0)
        out.extend((n, a, "hermes") for n, a in calls)
        return ""

    return HERMES.sub(one, text) if "<tool_call>" in text else text


def _mistral(text: str, out: list[TextCall]) -> str:
    while (start := text.find(MISTRAL_TAG)) >= 0:
        pos = start + len(MISTRAL_TAG)
        found: list[tuple[str, Any]] = []
        while True:
            rest = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
            decoded = _decode_at(text, rest)
            if decoded and _calls(decoded[0]) is not None:
                found += _calls(decoded[0]) or []
                pos = decoded[1]
                continue
            m = MISTRAL_ARGS.match(text, pos)
            decoded = _decode_at(text, m.end() + (len(text[m.end() :]) - len(text[m.end() :].lstrip()))) if m else None
            if m and decoded:
                found.append((m.group(1), decoded[0]))
                pos = decoded[1]
                continue
            break
        if not found:
            return text
        out.extend((n, a, "mistral") for n, a in found)
        text = text[:start] + text[pos:]
    return text


def _functions(text: str, out: list[TextCall]) -> str:
    pieces, pos = [], 0
    for m in FUNCTIONS.finditer(text):
        if m.start() < pos:
            continue
        after = m.end() + (len(text[m.end() :]) - len(text[m.end() :].lstrip()))
        decoded = _decode_at(text, after) if text[after : after + 1] == "{" else None
        args, end = (decoded[0], decoded[1]) if decoded else ({}, m.end())
        out.append((m.group(1), args, "functions"))
        pieces.append(text[pos : m.start()])
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _bare_json(text: str, out: list[TextCall]) -> str:
    pieces, pos, i = [], 0, 0
    while (i := _next_open(text, i)) >= 0:
        decoded = _decode_at(text, i)
        calls = _calls(decoded[0]) if decoded else None
        if decoded is None or calls is None:
            i += 1
            continue
        out.extend((n, a, "json") for n, a in calls)
        pieces.append(text[pos:i])
        pos = i = decoded[1]
    pieces.append(text[pos:])
    return "".join(pieces)


def _next_open(text: str, i: int) -> int:
    found = [j for j in (text.find("{", i), text.find("[", i)) if j >= 0]
    return min(found) if found else -1


def parse_text_calls(text: str) -> tuple[list[TextCall], str]:
    """(tool calls found in `text`, the text without them)."""
    if not text:
        return [], text or ""
    calls: list[TextCall] = []
    rest = _hermes(text, calls)
    rest = _mistral(rest, calls)
    rest = _functions(rest, calls)
    rest = _bare_json(rest, calls)
    if not calls:
        return [], text
    return calls, EMPTY_FENCE.sub("", rest).strip()


def strip_call_markup(text: str) -> str:
    """The text without any tool-call markup (what may go into the reasoning summary)."""
    return parse_text_calls(text)[1]

"""Reading one assistant reply: the answer text, the reasoning, and the tool calls wherever the server put them.

- Reasoning: `reasoning_content` (DeepSeek, vLLM, llama.cpp) and `reasoning` (OpenRouter, Ollama) message fields, and
  `<think>...</think>` blocks in the content (also a reply whose template opened the block in the prompt, so it
  has only the closing tag, and a block cut off by max_tokens). It is recorded in the session step, never used for
  the finish signal or the reasoning summary, and not sent back in the next request unless the model entry says
  `send_reasoning_back: true` (then the fields go back as received and the content keeps its think block).
- Tool calls, by the entry's `tool_call_format`: `native` (default) reads only `tool_calls`; `content` also parses
  calls written as text (agents/textcalls.py); `auto` parses the text only when there are no native calls. Parsed
  calls go back to the server as standard `tool_calls` (with the markup cut from the content) and are marked
  `parsed_from_text` in the session record.
- The answer (content without thinking and without parsed markup) is what is checked for the finish signal; the
  reasoning summary also drops markup that was not parsed (a `native` model that writes `functions.x:` as text).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .textcalls import parse_text_calls, strip_call_markup
from .toolcalls import ToolCall, parse_arguments, parse_tool_calls

REASONING_FIELDS = ("reasoning_content", "reasoning", "reasoning_details")
THINK = re.compile(r"<think(?:ing)?>(.*?)(?:</think(?:ing)?>|$)", re.DOTALL)
CLOSE = re.compile(r"</think(?:ing)?>")


@dataclass(frozen=True)
class Reply:
    content: str  # as received ("" for null)
    answer: str  # content without thinking and without parsed tool-call markup
    reasoning: str  # the thinking, from the fields and the think blocks
    reasoning_fields: dict[str, Any] = field(default_factory=dict)  # as received, to send back when asked
    calls: list[ToolCall] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # call id -> text format, for calls parsed from text

    def summary_text(self) -> str:
        return strip_call_markup(self.answer) if self.answer else ""


def split_thinking(content: str) -> tuple[str, list[str]]:
    """(content without think blocks, the blocks' texts)."""
    thoughts: list[str] = []
    first_close, first_open = CLOSE.search(content), content.find("<think")
    if first_close and (first_open < 0 or first_open > first_close.start()):  # opened by the template, in the prompt
        thoughts.append(content[: first_close.start()])
        content = content[first_close.end() :]

    def cut(m: re.Match[str]) -> str:
        thoughts.append(m.group(1))
        return ""

    content = THINK.sub(cut, content) if "<think" in content else content
    return content.strip() if thoughts else content, [t.strip() for t in thoughts if t.strip()]


def read_reply(message: dict[str, Any], step: int, tool_call_format: str = "native") -> Reply:
    raw = message.get("content")
    content = raw if isinstance(raw, str) else ""
    fields = {k: message[k] for k in REASONING_FIELDS if message.get(k)}
    answer, thoughts = split_thinking(content)
    texts = [v for k, v in fields.items() if isinstance(v, str) and v.strip()]
    reasoning = "\n\n".join([*(t.strip() for t in texts), *thoughts])
    calls = parse_tool_calls(message.get("tool_calls"), step)
    formats: dict[str, str] = {}
    if tool_call_format == "content" or (tool_call_format == "auto" and not calls):
        found, rest = parse_text_calls(answer)
        if found:
            answer = rest
            for i, (name, args, fmt) in enumerate(found, start=len(calls)):
                call = _text_call(name, args, f"call_{step}_{i}")
                formats[call.id] = fmt
                calls.append(call)
    return Reply(content, answer, reasoning, fields, calls, formats)


def _text_call(name: str, args: Any, call_id: str) -> ToolCall:
    decoded, err = parse_arguments(args)
    raw = args if isinstance(args, str) else json.dumps(args if args is not None else {})
    return ToolCall(call_id, name, raw, decoded, err)


def history_content(reply: Reply, send_reasoning_back: bool) -> tuple[str, dict[str, Any]]:
    """(content, extra fields) of the assistant message that goes into the next request."""
    if not send_reasoning_back:
        return reply.answer, {}
    if reply.formats:  # keep the thinking, cut only the parsed markup
        return parse_text_calls(reply.content)[1], dict(reply.reasoning_fields)
    return reply.content, dict(reply.reasoning_fields)

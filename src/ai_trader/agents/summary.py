"""A short reasoning summary taken from what the model wrote (no extra LLM call)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .prompts import STOP_SIGNAL

MAX_CHARS = 500


def reasoning_summary(assistant_texts: Iterable[str], max_chars: int = MAX_CHARS) -> str:
    """The assistant's texts, finish signal removed, whitespace collapsed, joined with " | ". When too long, the
    last text (usually the conclusion) is kept whole if it fits and the earlier ones are cut to make room."""
    parts = [re.sub(r"\s+", " ", t.replace(STOP_SIGNAL, "")).strip() for t in assistant_texts if t]
    parts = [p for p in parts if p]
    text = " | ".join(parts)
    if len(text) <= max_chars:
        return text
    last = parts[-1]
    if len(last) + 4 >= max_chars:
        return last[: max_chars - 1].rstrip() + "…"
    head = " | ".join(parts[:-1])[: max_chars - len(last) - 4].rstrip()
    return f"{head}… | {last}"

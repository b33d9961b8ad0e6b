"""The one place that keeps secrets in: every configured secret becomes `***` wherever text leaves the process.

Secrets are registered when they are read: the keys of a `Settings` object (OPENAI_API_KEY, ALPHAADVANTAGE_API_KEY,
JINA_API_KEY, API_KEY) when it is built, and each config model entry's `openai_api_key` when a config is parsed.
`redact(text)` and `redact_obj(value)` replace every registered secret (and its JSON-escaped spelling). They are
applied to every text the store writes (job errors, events, requests, configs, session records: so also the
exports and every response built from them), to the error responses, to the audit file, and to every log line
(`RedactingFormatter`, installed by `logs.setup_logging`).

Secrets shorter than `MIN_LENGTH` characters are not registered: replacing a word that short everywhere would
mangle ordinary text (real API keys are far longer).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any

MASK = "***"
MIN_LENGTH = 8

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register(*values: str | None) -> None:
    """Remember secrets to redact from now on (None, empty, short or already known values are ignored)."""
    global _pattern
    fresh = set()
    for v in values:
        if not isinstance(v, str) or len(v) < MIN_LENGTH or v == MASK:
            continue
        fresh.update({v, json.dumps(v)[1:-1], json.dumps(v, ensure_ascii=False)[1:-1]})
    with _lock:
        if fresh <= _secrets:
            return
        _secrets.update(fresh)
        ordered = sorted(_secrets, key=len, reverse=True)  # the longest first: a key containing another
        _pattern = re.compile("|".join(map(re.escape, ordered)))


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `***`."""
    pattern = _pattern
    if pattern is None or not isinstance(text, str):
        return text
    return pattern.sub(MASK, text)


def redact_obj(value: Any) -> Any:
    """A copy of a JSON-like value with every string redacted (dict keys too; tuples become lists)."""
    if _pattern is None:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k) if isinstance(k, str) else k: redact_obj(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_obj(v) for v in value]
    return value


class RedactingFormatter(logging.Formatter):
    """Formats with `inner`, then redacts the whole line (message, arguments, extra fields, traceback)."""

    def __init__(self, inner: logging.Formatter):
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))

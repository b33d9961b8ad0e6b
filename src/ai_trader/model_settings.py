"""Checks and helpers for the per-model settings of OpenAI-compatible entries (README "Model settings").

The fields themselves are declared on `config.ModelConfig` (types and ranges there); this module holds the checks
that need more than one field, and what the agent sends and records:
- `extra_body` may not set what the session loop controls (`model`, `messages`, `tools`, `stream`, ...) nor repeat
  a setting that has its own key (`temperature` in `extra_body` and as a key: say it once);
- `extra_headers` are header names (RFC 9110 tokens) with single-line values; `Authorization`, `Host` and
  `Content-Length` are refused (the key goes in `openai_api_key`); values of secret-looking headers (`*key*`,
  `*token*`, `*secret*`, `*auth*`, `*cookie*`, `*password*`) are shown as `***` in session records and responses;
- request settings apply to LLM entries (`openai`, `scripted`) only;
- entries that share an endpoint (same `openai_base_url` and `openai_api_key`) must give the same rate limits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

REQUEST_KEYS = (  # typed request settings, in the order they are added to the request body
    "temperature",
    "top_p",
    "seed",
    "max_tokens",
    "tool_choice",
    "parallel_tool_calls",
    "reasoning_effort",
)
LLM_ONLY_KEYS = (
    *REQUEST_KEYS,
    "extra_body",
    "extra_headers",
    "request_timeout_s",
    "tool_call_format",
    "send_reasoning_back",
    "prompt_format",
    "max_concurrent_requests",
    "requests_per_minute",
    "tokens_per_minute",
)
RATE_LIMIT_KEYS = ("max_concurrent_requests", "requests_per_minute", "tokens_per_minute")
RESERVED_BODY_KEYS = frozenset({"model", "messages", "tools", "stream", "stream_options", "functions"})
REFUSED_HEADERS = {
    "authorization": "put the key in openai_api_key",
    "host": "it is set from openai_base_url",
    "content-length": "it is computed from the body",
}
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$")
SECRET_HEADER = re.compile(r"key|token|secret|auth|cookie|password", re.IGNORECASE)


def check_request_settings(model: Any) -> None:
    """Raise ValueError (a precise message) for settings that cannot be sent as given."""
    if model.provider not in ("openai", "scripted"):
        given = [k for k in LLM_ONLY_KEYS if getattr(model, k, None) is not None]
        if given:
            raise ValueError(
                f"{', '.join(given)}: only for LLM models (provider 'openai' or 'scripted'), not {model.provider!r}"
            )
    body = model.extra_body or {}
    reserved = sorted(k for k in body if k in RESERVED_BODY_KEYS)
    if reserved:
        raise ValueError(f"extra_body may not set {', '.join(reserved)}: the session loop sends those")
    twice = [k for k in REQUEST_KEYS if k in body and getattr(model, k) is not None]
    if twice:
        raise ValueError(f"{', '.join(twice)} given both as a key and in extra_body: give it once")
    for name, value in (model.extra_headers or {}).items():
        if not HEADER_NAME.match(name):
            raise ValueError(f"extra_headers: {name[:60]!r} is not a valid HTTP header name")
        if name.lower() in REFUSED_HEADERS:
            raise ValueError(f"extra_headers may not set {name}: {REFUSED_HEADERS[name.lower()]}")
        if any(c in value for c in "\r\n\x00"):
            raise ValueError(f"extra_headers: the value of {name} must be one line (no CR, LF or NUL)")


def check_shared_endpoints(models: Sequence[Any]) -> None:
    """Entries with the same openai_base_url + openai_api_key share one rate limiter: their limits must agree."""
    seen: dict[tuple[str | None, str | None], Any] = {}
    for m in models:
        if m.provider != "openai":
            continue
        key = (m.openai_base_url, m.openai_api_key)
        first = seen.setdefault(key, m)
        for k in RATE_LIMIT_KEYS:
            if getattr(first, k) != getattr(m, k):
                raise ValueError(
                    f"models {first.signature!r} and {m.signature!r} share an endpoint but give different {k} "
                    f"({getattr(first, k)} vs {getattr(m, k)}): give them the same, or set it once in the environment"
                )


def redact_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {k: ("***" if SECRET_HEADER.search(k) else v) for k, v in (headers or {}).items()}

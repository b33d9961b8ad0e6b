"""Retrying LLM calls: transient failures (connection refused, 408/409/429, 5xx, a garbled body) are retried
`max_retries` times with exponential backoff; anything else fails at once.

A request that timed out is NOT retried: a non-streaming request keeps running on the server after the client gives
up (a local server notices nothing), so a retry would queue behind the abandoned one and each retry would take
longer (seen: 349 s, 229 s, 108 s for one prompt). The call fails at once, naming the timeout to raise.

Delay before retry k (k = 0, 1, ...) is `base_delay * 2**k` seconds, capped at `max_delay`. A 429 or 503 that
says how long to wait (`Retry-After`: seconds or an HTTP date; OpenAI's `retry-after-ms`) waits exactly that long
instead; a wait longer than `max_retry_after` (LLM_MAX_RETRY_AFTER_SECONDS) fails the call at once, since the
endpoint is out of quota rather than busy. The SDK's own retries are turned off so this is the only retry policy.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import TypeVar

import openai

from ..redact import redact

log = logging.getLogger(__name__)
T = TypeVar("T")
TRANSIENT_STATUS = frozenset({408, 409, 429})
RETRY_AFTER_STATUS = frozenset({429, 503})


class LlmCallFailed(Exception):
    """The LLM endpoint could not answer (after retries for transient errors); the model-day fails."""

    def __init__(self, message: str, *, attempts: int, transient: bool):
        super().__init__(message)
        self.attempts = attempts
        self.transient = transient


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APITimeoutError):  # the endpoint may still be working on it: never retried
        return False
    if isinstance(exc, openai.APIConnectionError):  # connection refused or reset
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in TRANSIENT_STATUS or exc.status_code >= 500
    return isinstance(exc, (openai.APIResponseValidationError, ValueError))  # 200 with an unreadable body


def retry_after(exc: BaseException, now: dt.datetime | None = None) -> float | None:
    """Seconds the endpoint asked us to wait (Retry-After / retry-after-ms of a 429 or 503), else None."""
    if getattr(exc, "status_code", None) not in RETRY_AFTER_STATUS:
        return None
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000)
    except ValueError:
        pass
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def describe(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    text = redact(str(exc).strip()) or type(exc).__name__  # before cutting: a cut key would not be found
    if len(text) > 300:
        text = text[:300] + "…"
    return f"{type(exc).__name__}" + (f" (HTTP {status})" if status else "") + f": {text}"


async def call_with_retries(
    fn: Callable[[], Awaitable[T]],
    *,
    max_retries: int,
    base_delay: float,
    what: str = "LLM call",
    max_delay: float = 60.0,
    on_retry: Callable[[int, BaseException], None] | None = None,
    logger: logging.Logger | logging.LoggerAdapter | None = None,
    max_retry_after: float = 300.0,
    sleep: Callable[[float, BaseException], Awaitable[None]] | None = None,
) -> tuple[T, int]:
    """Run `fn`, retrying transient errors; returns (result, attempts). Raises LlmCallFailed.
    `logger` (e.g. a model-day logger carrying job_id/model/date) receives the retry warnings; `sleep(delay, exc)`
    (default asyncio.sleep) waits before a retry — the LLM session uses it to pause the endpoint and show the
    wait."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await fn(), attempt
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            transient = is_transient(exc)
            if not transient or attempt > max_retries:
                suffix = f" after {attempt} attempts" if transient else ""
                raise LlmCallFailed(
                    f"{what} failed{suffix}: {describe(exc)}", attempts=attempt, transient=transient
                ) from exc
            delay = min(max_delay, base_delay * 2 ** (attempt - 1))
            asked = retry_after(exc)
            if asked is not None:
                if asked > max_retry_after:
                    raise LlmCallFailed(
                        f"{what} failed: the endpoint asks to wait {asked:g} s before retrying, more than "
                        f"LLM_MAX_RETRY_AFTER_SECONDS ({max_retry_after:g} s): {describe(exc)}",
                        attempts=attempt,
                        transient=True,
                    ) from exc
                delay = asked
            (logger or log).warning(
                "%s failed (attempt %d/%d), retrying in %.2fs: %s", what, attempt, max_retries + 1, delay, describe(exc)
            )
            if on_retry is not None:
                on_retry(attempt, exc)
            await (sleep(delay, exc) if sleep is not None else asyncio.sleep(delay))

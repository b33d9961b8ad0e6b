"""Retrying LLM calls: transient failures (timeout, connection refused, 408/409/429, 5xx, a garbled body) are
retried `max_retries` times with exponential backoff; anything else fails at once.

Delay before retry k (k = 0, 1, ...) is `base_delay * 2**k` seconds, capped at `max_delay`. The SDK's own
retries are turned off so this is the only retry policy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import openai

from ..redact import redact

log = logging.getLogger(__name__)
T = TypeVar("T")
TRANSIENT_STATUS = frozenset({408, 409, 429})


class LlmCallFailed(Exception):
    """The LLM endpoint could not answer (after retries for transient errors); the model-day fails."""

    def __init__(self, message: str, *, attempts: int, transient: bool):
        super().__init__(message)
        self.attempts = attempts
        self.transient = transient


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError, connection refused
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in TRANSIENT_STATUS or exc.status_code >= 500
    return isinstance(exc, (openai.APIResponseValidationError, ValueError))  # 200 with an unreadable body


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
) -> tuple[T, int]:
    """Run `fn`, retrying transient errors; returns (result, attempts). Raises LlmCallFailed.
    `logger` (e.g. a model-day logger carrying job_id/model/date) receives the retry warnings."""
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
            (logger or log).warning(
                "%s failed (attempt %d/%d), retrying in %.2fs: %s", what, attempt, max_retries + 1, delay, describe(exc)
            )
            if on_retry is not None:
                on_retry(attempt, exc)
            await asyncio.sleep(delay)

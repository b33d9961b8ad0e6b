"""Every exception the service raises on purpose, named by what the caller should do.

Each carries a machine code, an HTTP status and optional details; the API maps them to
`{"error", "message", "details"}` in one handler (`api/errors.py`).
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    code = "internal_error"
    status = 500

    def __init__(self, message: str, details: dict[str, Any] | None = None, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code


class FixTheRequest(AppError):
    """400: the request is malformed; fix it and retry."""

    code = "invalid_request"
    status = 400


class InvalidDate(FixTheRequest):
    code = "invalid_date"


class InvalidConfigPath(FixTheRequest):
    code = "invalid_config_path"


class InvalidConfig(FixTheRequest):
    code = "invalid_config"


class UnknownModel(FixTheRequest):
    code = "unknown_model"


class RangeTooLarge(FixTheRequest):
    code = "range_too_large"


class InvalidatesCommittedDays(FixTheRequest):
    """The request would run a day before committed days of a signature without re-running them (each day starts
    from the one before): ask again with `replace_existing`, or start after them."""

    code = "invalidates_committed_days"


class InvalidData(FixTheRequest):
    """A data file could not be imported (nothing was written)."""

    code = "invalid_data"


class NotFound(AppError):
    """404: the thing asked for does not exist."""

    code = "not_found"
    status = 404


class ConfigNotFound(NotFound):
    code = "config_not_found"


class NoData(NotFound):
    code = "no_data"


class WaitForRunningJob(AppError):
    """409: another job is pending or running; wait for it."""

    code = "conflict"
    status = 409


class TryLater(AppError):
    """503: a dependency is down; retry later."""

    code = "service_unavailable"
    status = 503


class IllegalTransition(AppError):
    """A job or model-day status change that the state machine forbids (a bug or a race lost)."""

    code = "illegal_transition"
    status = 409


class FixTheSetup(Exception):
    """A configured part of the service cannot start (a bad DATA_DIR, a port taken, an MCP tool server that exits or
    never answers): fix the setup (free or change the port, or disable that part) and start again. `code` is the
    process exit status (2: a setting, 1: a process or port)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message, self.code = message, code


class ModelDayFailed(Exception):
    """A model-day could not complete (after retries); the chain of that signature stops."""

"""JSON-lines logging to stdout. Context (job_id, model, date) is passed with `extra=` or a LoggerAdapter.
Every line is redacted (redact.py): no configured secret reaches the log."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from .redact import RedactingFormatter


def setup_logging(level: str = "INFO", fmt: str = "json", stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stdout)
    inner: logging.Formatter
    if fmt == "json":
        inner = JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    else:
        inner = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    handler.setFormatter(RedactingFormatter(inner))  # no configured secret in any line
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpx2", "httpcore", "mcp", "uvicorn.access", "sse_starlette"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def model_day_logger(name: str, job_id: str | None, model: str, date: str) -> logging.LoggerAdapter:
    """A logger whose every line carries job_id, model and date."""
    return logging.LoggerAdapter(logging.getLogger(name), {"job_id": job_id, "model": model, "date": date})

"""Wall-clock helpers: ISO 8601 UTC with `Z`, strict YYYY-MM-DD parsing."""

from __future__ import annotations

import datetime as dt
import re

from .errors import InvalidDate

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def utcnow_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_after(seconds: float) -> str:
    """The UTC time `seconds` from now, in utcnow_iso's form."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_date(value: str, field: str = "date") -> dt.date:
    """Strict YYYY-MM-DD (zero-padded, a real calendar date) or InvalidDate."""
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise InvalidDate(f"{field} must be a date in YYYY-MM-DD form, got {value!r}", {"field": field})
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidDate(f"{field} is not a real calendar date: {value!r}", {"field": field}) from None

"""Unknown keys of a competition config: keys outside the documented set (the fields of `config.py`'s models) are
reported instead of silently ignored. By default each is a warning (AI-Trader configs may carry extras), listed in
the trigger's `warnings` and by the CLI; with `STRICT_CONFIG=true` each is a problem of the 400 `invalid_config`.
A near miss of a known key (difflib, e.g. `request_timout_s`, `max_step`) gets a "did you mean".
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel

from .config import AgentConfig, DateRange, LogConfig, ModelConfig, Problem, model_entries, problem


def _fields(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


ROOT_KEYS = ["agent_type", "date_range", "models", "agent_config", "log_config"]
SECTIONS: dict[str, type[BaseModel]] = {"date_range": DateRange, "agent_config": AgentConfig, "log_config": LogConfig}


def unknown_keys(data: Any) -> list[tuple[str, str | None]]:
    """[(location, suggestion or None)] of every key outside the documented set, in file order."""
    if not isinstance(data, dict):
        return []
    found = [(key, ROOT_KEYS) for key in data if key not in ROOT_KEYS]
    out = [(str(key), _near(str(key), known)) for key, known in found]
    for section, model in SECTIONS.items():
        part = data.get(section)
        if isinstance(part, dict):
            known = _fields(model)
            out += [(f"{section}.{k}", _near(str(k), known)) for k in part if k not in known]
    known = _fields(ModelConfig)
    for i, entry in model_entries(data):
        out += [(f"models.{i}.{k}", _near(str(k), known)) for k in entry if k not in known]
    return out


def _near(key: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    return close[0] if close else None


def describe(location: str, suggestion: str | None) -> str:
    hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
    return f"unknown config key {location!r} is ignored{hint}"


class UnknownKeys:
    """A config check (`config.Check`) that collects the unknown keys of the raw config: as problems when `strict`,
    else in `warnings` (read after the load)."""

    def __init__(self, strict: bool):
        self.strict = strict
        self.warnings: list[str] = []

    def __call__(self, data: dict[str, Any]) -> list[Problem]:
        found = unknown_keys(data)
        if self.strict:
            return [
                problem(loc, describe(loc, near).replace(" is ignored", "") + " (STRICT_CONFIG)") for loc, near in found
            ]
        self.warnings = [describe(loc, near) for loc, near in found]
        return []

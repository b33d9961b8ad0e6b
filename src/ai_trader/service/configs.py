"""A competition config as a trigger loads it: the file's own validation (`config.py`) plus the checks that need
the running service, all reported at once in one 400 `invalid_config`:

- `replay_of` of every replay entry the job could run (enabled, or named in the request's `models`) must name a
  signature with recorded sessions in this database;
- `log_config.log_path` must name DATA_DIR/agent_data, where the AI-Trader files are written (`log_path_problems`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..config import Check, CompetitionConfig, Problem, load_config, log_path_problems, model_entries
from ..settings import Settings
from ..store import Store, ledger


def service_checks(settings: Settings, store: Store, wanted: Iterable[str] | None = None) -> list[Check]:
    """The checks of a raw config object that need the settings and the database; `wanted`: the request's models."""
    named = {w for w in wanted or () if isinstance(w, str)}

    def replays(data: dict[str, Any]) -> list[Problem]:
        problems = []
        for i, m in model_entries(data):
            of, sig = m.get("replay_of"), m.get("signature")
            if m.get("provider") != "replay" or not isinstance(of, str):
                continue
            if m.get("enabled", True) is False and sig not in named:
                continue  # a disabled entry this job does not run
            with store.read() as conn:
                recorded = ledger.has_sessions(conn, of)
            if not recorded:
                problems.append(
                    {
                        "location": f"models.{i}.replay_of",
                        "problem": f"no recorded sessions of signature {of!r} to replay (run {of!r} first)",
                    }
                )
        return problems

    return [replays, lambda data: log_path_problems(data, settings.data_dir)]


def load_checked(
    settings: Settings, store: Store, path: Path, wanted: Iterable[str] | None = None
) -> CompetitionConfig:
    """`load_config` with the service's checks (ConfigNotFound, InvalidConfig listing every problem)."""
    return load_config(path, service_checks(settings, store, wanted))

"""A competition config as a trigger loads it: the file's own validation (`config.py`) plus the checks that need
the running service, all reported at once in one 400 `invalid_config`:

- a baseline's `strategy` and a scripted model's `script` must be names the agents know;
- `replay_of` of every replay entry the job runs (those named in the request's `models`, else the enabled ones)
  must name a signature with recorded sessions in this database;
- `log_config.log_path` must name DATA_DIR/agent_data, where the AI-Trader files are written
  (`config_paths.log_path_problems`);
- unknown keys (`config_keys.py`) are warnings kept on the config (`key_warnings`), or problems with STRICT_CONFIG.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..agents.baselines import STRATEGIES
from ..agents.scripted import SCRIPTS
from ..config import (
    SIGNATURE_RE,
    Check,
    CompetitionConfig,
    Problem,
    load_config,
    model_entries,
    problem,
)
from ..config_keys import UnknownKeys
from ..config_paths import log_path_problems
from ..settings import Settings
from ..store import Store
from ..store import records as record_store


def service_checks(settings: Settings, store: Store, wanted: Iterable[str] | None = None) -> list[Check]:
    """The checks of a raw config object that need the settings and the database; `wanted`: the request's models."""
    named = {w for w in wanted or () if isinstance(w, str)}

    def replays(data: dict[str, Any]) -> list[Problem]:
        problems = []
        for i, m in model_entries(data):
            of, sig = m.get("replay_of"), m.get("signature")
            if m.get("provider") != "replay" or not isinstance(of, str) or not SIGNATURE_RE.match(of):
                continue  # not a replay, or a replay_of reported by the entry checks
            if (sig not in named) if named else (m.get("enabled", True) is False):
                continue  # an entry this job does not run
            with store.read() as conn:
                recorded = record_store.has_sessions(conn, of)
            if not recorded:
                text = f"no recorded sessions of signature {of!r} to replay (run {of!r} first)"
                problems.append(problem(f"models.{i}.replay_of", text))
        return problems

    return [known_names, replays, lambda data: log_path_problems(data, settings.data_dir)]


def known_names(data: dict[str, Any]) -> list[Problem]:
    """An unknown baseline `strategy` or scripted `script`, with the known names."""
    problems = []
    for i, m in model_entries(data):
        provider, strategy, script = m.get("provider"), m.get("strategy"), m.get("script")
        if provider == "baseline" and isinstance(strategy, str) and strategy and strategy not in STRATEGIES:
            known = ", ".join(STRATEGIES)
            problems.append(problem(f"models.{i}.strategy", f"unknown strategy {strategy!r} (known: {known})"))
        if provider == "scripted" and isinstance(script, str) and script not in SCRIPTS:
            known = ", ".join(sorted(SCRIPTS))
            problems.append(problem(f"models.{i}.script", f"unknown script {script!r} (known: {known})"))
    return problems


def load_checked(
    settings: Settings, store: Store, path: Path, wanted: Iterable[str] | None = None
) -> CompetitionConfig:
    """`load_config` with the service's checks (ConfigNotFound, InvalidConfig listing every problem); the unknown
    keys' warnings are on the returned config's `key_warnings`."""
    keys = UnknownKeys(settings.strict_config)
    config = load_config(path, [*service_checks(settings, store, wanted), keys])
    config.key_warnings = keys.warnings
    return config

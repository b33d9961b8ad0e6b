"""Where a config's paths point: the config file a request names, confined to CONFIGS_DIR
(`resolve_config_path`), and the folder of its `log_config.log_path` (`agent_data_dir`), which must be
DATA_DIR/agent_data (`log_path_problems`, one of the checks `service/configs.py` passes to `config.load_config`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import Problem, problem
from .errors import InvalidConfigPath


def resolve_config_path(configs_dir: Path, config_path: str | None) -> Path:
    """Resolve a user-given config path inside the configs directory, refusing anything that escapes it.

    Accepts `default_config.json`, `configs/default_config.json` (the original spec's form: a leading `configs/`
    — or the directory's own name — stands for CONFIGS_DIR whatever its folder is called, unless CONFIGS_DIR holds
    that path itself) or an absolute path inside the directory. `..`, absolute paths elsewhere and symlinks out are
    refused.
    """
    raw = config_path or "default_config.json"
    if "\x00" in raw or len(raw) > 512:
        raise InvalidConfigPath("config_path is not a valid path", {"config_path": raw[:100]})
    base = configs_dir.resolve()
    candidate = Path(raw)
    if not candidate.is_absolute():
        parts = candidate.parts
        if len(parts) > 1 and parts[0] in ("configs", base.name) and not _exists(base / candidate):
            candidate = Path(*parts[1:])  # "configs/x.json"
        if ".." in candidate.parts:
            raise InvalidConfigPath("config_path must stay inside the configs directory", {"config_path": raw})
        candidate = base / candidate
    resolved = candidate.resolve()
    if resolved != base and base not in resolved.parents:
        raise InvalidConfigPath("config_path must stay inside the configs directory", {"config_path": raw})
    return resolved


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long, ...: not there
        return False


def agent_data_dir(log_path: str, data_dir: Path) -> Path:
    """The folder a config's `log_config.log_path` names: absolute as given; relative inside DATA_DIR, where a
    leading `data/` (AI-Trader's `./data/agent_data`) — or DATA_DIR's own folder name — stands for DATA_DIR."""
    path = Path(log_path)
    if path.is_absolute():
        return path.resolve()
    parts = [p for p in path.parts if p != "."]
    base = data_dir.resolve()
    if len(parts) > 1 and parts[0] in ("data", base.name):
        parts = parts[1:]
    return base.joinpath(*parts).resolve()


def log_path_problems(data: dict[str, Any], data_dir: Path) -> list[Problem]:
    """A `log_config.log_path` naming any folder but DATA_DIR/agent_data (where the files are written) is refused."""
    log_config = data.get("log_config")
    value = log_config.get("log_path") if isinstance(log_config, dict) else None
    if not isinstance(value, str):
        return []
    target = (data_dir / "agent_data").resolve()
    if "\x00" not in value and agent_data_dir(value, data_dir) == target:
        return []
    return [
        problem(
            "log_config.log_path",
            f"{value[:200]!r} is not where this service writes the AI-Trader files: they always go to "
            f'DATA_DIR/agent_data ({target}); give "./data/agent_data" (a leading data/ stands for DATA_DIR) or '
            "leave log_path out, and set DATA_DIR to move them",
        )
    ]

"""The competition config file (AI-Trader format), validated on load with precise messages.

```
{"agent_type": "BaseAgent",
 "date_range": {"init_date": "2025-06-09", "end_date": "2025-10-30"},
 "models": [{"name": "gpt-5", "basemodel": "openai/gpt-5", "signature": "gpt-5", "enabled": true,
             "openai_base_url": "...", "openai_api_key": "..."}],
 "agent_config": {"max_steps": 30, "max_retries": 3, "base_delay": 1.0, "initial_cash": 10000.0},
 "log_config": {"log_path": "./data/agent_data"}}
```
A model entry may name another provider instead of an OpenAI-compatible endpoint:
`"provider": "baseline"` + `"strategy"`; `"provider": "scripted"` + `"script"`; `"provider": "replay"` + `"replay_of"`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from . import redact
from .errors import ConfigNotFound, InvalidConfig, InvalidConfigPath, InvalidDate
from .timeutil import parse_date

SIGNATURE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SECRET_KEYS = ("openai_api_key",)


class ModelConfig(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str | None = None
    signature: str
    basemodel: str | None = None
    enabled: bool = True
    provider: Literal["openai", "baseline", "scripted", "replay"] = "openai"
    openai_base_url: str | None = None
    openai_api_key: str | None = Field(default=None, repr=False)
    strategy: str | None = None  # baseline
    script: str | None = None  # scripted model: the name of its deterministic strategy
    latency_ms: float = Field(default=0.0, ge=0)  # scripted model: simulated latency per LLM call
    replay_of: str | None = None  # replay: the signature whose recorded sessions are replayed
    _key_problem: str | None = PrivateAttr(default=None)  # why the job's key could not be read back (with_keys)

    @field_validator("signature")
    @classmethod
    def _signature(cls, v: str) -> str:
        if not SIGNATURE_RE.match(v):
            raise ValueError(
                f"invalid signature {v!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        return v

    @field_validator("openai_api_key")
    @classmethod
    def _register_key(cls, v: str | None) -> str | None:
        redact.register(v)  # never echoed from now on (errors, events, logs, responses)
        return v

    @model_validator(mode="after")
    def _provider_fields(self) -> ModelConfig:
        if self.provider == "openai" and not self.basemodel:
            raise ValueError("basemodel is required for an OpenAI-compatible model")
        if self.provider == "baseline" and not self.strategy:
            raise ValueError("strategy is required for a baseline (equal_weight, momentum or cash)")
        if self.provider == "replay" and not self.replay_of:
            raise ValueError("replay_of is required for a replay model")
        return self

    def public(self) -> dict[str, Any]:
        """The entry with secrets redacted (for responses and logs)."""
        data = self.model_dump(exclude_none=True)
        for key in SECRET_KEYS:
            if key in data:
                data[key] = redact.MASK
        return data

    @property
    def key_problem(self) -> str | None:
        """Set when the entry had an API key when its job was created and it cannot be read back now."""
        return self._key_problem


class DateRange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    init_date: str
    end_date: str | None = None

    @field_validator("init_date", "end_date")
    @classmethod
    def _date(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                parse_date(v)
            except InvalidDate as exc:
                raise ValueError(exc.message) from None
        return v

    @model_validator(mode="after")
    def _order(self) -> DateRange:
        if self.end_date and self.end_date < self.init_date:
            raise ValueError(f"end_date {self.end_date} is before init_date {self.init_date}")
        return self


class AgentConfig(BaseModel):
    model_config = ConfigDict(extra="allow")
    max_steps: int = Field(default=30, ge=1)
    max_retries: int = Field(default=3, ge=0)
    base_delay: float = Field(default=1.0, ge=0)
    initial_cash: float = Field(default=10_000.0, gt=0)


class LogConfig(BaseModel):
    model_config = ConfigDict(extra="allow")
    log_path: str = "./data/agent_data"


class CompetitionConfig(BaseModel):
    model_config = ConfigDict(extra="allow")
    agent_type: str = "BaseAgent"
    date_range: DateRange
    models: list[ModelConfig] = Field(min_length=1)
    agent_config: AgentConfig = Field(default_factory=AgentConfig)
    log_config: LogConfig = Field(default_factory=LogConfig)

    @model_validator(mode="after")
    def _unique(self) -> CompetitionConfig:
        seen: set[str] = set()
        for m in self.models:
            if m.signature in seen:
                raise ValueError(f"duplicate signature {m.signature!r}")
            seen.add(m.signature)
        return self

    def stored(self) -> dict[str, Any]:
        """The config as a job keeps it in the database: each model's API key replaced by `***` (see `with_keys`)."""
        data = self.model_dump(mode="json")
        for m in data["models"]:
            for key in SECRET_KEYS:
                if m.get(key):
                    m[key] = redact.MASK
        return data

    def enabled(self) -> list[ModelConfig]:
        return [m for m in self.models if m.enabled]

    def model(self, signature: str) -> ModelConfig | None:
        return next((m for m in self.models if m.signature == signature), None)


def parse_config(data: Any, source: str = "config") -> CompetitionConfig:
    """Validate a config object; InvalidConfig lists every problem with its location."""
    if isinstance(data, dict):
        # AI-Trader configs name the model by "name" and may omit "signature"
        for m in data.get("models", []) if isinstance(data.get("models"), list) else []:
            if isinstance(m, dict) and "signature" not in m and isinstance(m.get("name"), str):
                m["signature"] = m["name"]
    try:
        return CompetitionConfig.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"location": ".".join(str(p) for p in err["loc"]) or "(root)", "problem": _clean(err["msg"])}
            for err in exc.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(f"{p['location']}: {p['problem']}" for p in problems[:5])
        raise InvalidConfig(f"invalid config {source}: {summary}", {"problems": problems}) from None


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def load_config(path: Path) -> CompetitionConfig:
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else None
    except OSError as exc:  # name too long, permission denied, ...: nothing readable there
        raise ConfigNotFound(
            f"config file cannot be read: {path.name[:100]} ({exc.strerror})", {"config_path": str(path)[:300]}
        ) from None
    if text is None:
        raise ConfigNotFound(f"config file not found: {path.name}", {"config_path": str(path)})
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidConfig(f"config {path.name} is not valid JSON: {exc}", {"problems": [str(exc)]}) from None
    return parse_config(data, path.name)


def resolve_config_path(configs_dir: Path, config_path: str | None) -> Path:
    """Resolve a user-given config path inside the configs directory, refusing anything that escapes it.

    Accepts `default_config.json`, `configs/default_config.json` (the original spec's form) or an absolute
    path inside the directory. `..`, absolute paths elsewhere and symlinks out are refused.
    """
    raw = config_path or "default_config.json"
    if "\x00" in raw or len(raw) > 512:
        raise InvalidConfigPath("config_path is not a valid path", {"config_path": raw[:100]})
    base = configs_dir.resolve()
    candidate = Path(raw)
    if not candidate.is_absolute():
        parts = candidate.parts
        if parts and parts[0] == base.name and len(parts) > 1:  # "configs/x.json"
            candidate = Path(*parts[1:])
        if ".." in candidate.parts:
            raise InvalidConfigPath("config_path must stay inside the configs directory", {"config_path": raw})
        candidate = base / candidate
    resolved = candidate.resolve()
    if resolved != base and base not in resolved.parents:
        raise InvalidConfigPath("config_path must stay inside the configs directory", {"config_path": raw})
    return resolved


def with_keys(config: CompetitionConfig, config_path: str | Path | None) -> CompetitionConfig:
    """A job's stored config (keys replaced by `***`) with each of those keys read back from the job's config file.

    The rule: the database never holds an API key. When the job runs, the worker re-reads `config_path` (the file
    the job was created from) and takes only the `openai_api_key` of each signature whose stored entry had one. If
    the file is gone or invalid, or no longer gives that signature a key, the entry gets no key and a
    `key_problem`, which fails its model-days with that message (no fallback to OPENAI_API_KEY: the key of another
    endpoint must not be sent to this one). Entries without a key use OPENAI_API_KEY as before.
    """
    if not any(_masked(m) for m in config.models):
        return config
    source: CompetitionConfig | None = None
    problem = ""
    try:
        source = load_config(Path(config_path)) if config_path else None
        if source is None:
            problem = "the job has no config file"
    except (ConfigNotFound, InvalidConfig) as exc:
        problem = exc.message
    models = []
    for m in config.models:
        if not _masked(m):
            models.append(m)
            continue
        found = source.model(m.signature) if source is not None else None
        key = found.openai_api_key if found is not None else None
        if key and key != redact.MASK:
            models.append(m.model_copy(update={"openai_api_key": key}))
            continue
        copy = m.model_copy(update={"openai_api_key": None})
        why = problem or f"{Path(str(config_path)).name} no longer gives {m.signature!r} an openai_api_key"
        copy._key_problem = (
            f"no API key for model {m.signature!r}: its key is kept only in the config file, "
            f"and it cannot be read back ({why})"
        )
        models.append(copy)
    return config.model_copy(update={"models": models})


def _masked(model: ModelConfig) -> bool:
    return any(getattr(model, k) == redact.MASK for k in SECRET_KEYS)

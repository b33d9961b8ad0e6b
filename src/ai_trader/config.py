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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigNotFound, InvalidConfig, InvalidConfigPath, InvalidDate
from .model_settings import check_request_settings, check_shared_endpoints, redact_headers
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
    # OpenAI-compatible models (README "Model settings"; checked in model_settings.py): timeouts
    request_timeout_s: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    model_day_timeout_s: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    # request settings, sent as given (unset: not sent)
    temperature: float | None = Field(default=None, ge=0, le=2, allow_inf_nan=False)
    top_p: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    seed: int | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    tool_choice: Literal["auto", "none", "required", "required_first"] | None = None
    parallel_tool_calls: bool | None = None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    extra_body: dict[str, Any] | None = None
    extra_headers: dict[str, str] | None = None
    # what the endpoint sends back, and what the prompt looks like
    tool_call_format: Literal["native", "content", "auto"] | None = None
    send_reasoning_back: bool | None = None
    prompt_format: Literal["standard", "compact"] | None = None
    # rate limits of the endpoint (openai_base_url + key); unset: the LLM_* settings
    max_concurrent_requests: int | None = Field(default=None, ge=1)
    requests_per_minute: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    tokens_per_minute: int | None = Field(default=None, ge=1)

    @field_validator("signature")
    @classmethod
    def _signature(cls, v: str) -> str:
        if not SIGNATURE_RE.match(v):
            raise ValueError(
                f"invalid signature {v!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        return v

    @model_validator(mode="after")
    def _provider_fields(self) -> ModelConfig:
        if self.provider == "openai" and not self.basemodel:
            raise ValueError("basemodel is required for an OpenAI-compatible model")
        if self.provider == "baseline" and not self.strategy:
            raise ValueError("strategy is required for a baseline (equal_weight, momentum or cash)")
        if self.provider == "replay" and not self.replay_of:
            raise ValueError("replay_of is required for a replay model")
        check_request_settings(self)
        return self

    def public(self) -> dict[str, Any]:
        """The entry with secrets redacted (for responses and logs)."""
        data = self.model_dump(exclude_none=True)
        for key in SECRET_KEYS:
            if key in data:
                data[key] = "***"
        if "extra_headers" in data:
            data["extra_headers"] = redact_headers(data["extra_headers"])
        return data


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
        check_shared_endpoints(self.models)
        return self

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

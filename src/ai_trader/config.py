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

Validation is strict (no coercion: `"enabled": "yes"` or `"max_steps": "5"` are errors) and reports every problem
at once: the field problems pydantic finds and the entry-level ones (`entry_problems`: a provider's required field,
duplicate signatures) even where a field of the same entry is wrong. Checks that need what lives above this module
(known strategy and script names, a `replay_of` with recorded sessions, `log_config.log_path` against DATA_DIR) are
passed in as `checks` by `service/configs.py`. Where a config's paths point (the config file a request names, the
`log_path` folder) is `config_paths.py`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from . import redact
from .errors import ConfigNotFound, InvalidConfig, InvalidDate
from .ledger.rules import Costs
from .model_settings import check_request_settings, check_shared_endpoints
from .runs import MAX_RUNS, run_entry, split_key
from .runs import keys as run_keys
from .timeutil import parse_date

SIGNATURE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SECRET_KEYS = ("openai_api_key",)
Problem = dict[str, str]  # {"location": "models.0.strategy", "problem": "..."}
Check = Callable[[dict[str, Any]], list[Problem]]  # a check of the raw config object
_CUTOFF_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def cutoff_date(value: str) -> str:
    """A knowledge cutoff (YYYY-MM or YYYY-MM-DD) as the last date it covers; ValueError when it is neither."""
    m = _CUTOFF_RE.match(value)
    try:
        if m is None:
            raise ValueError
        year, month = int(m[1]), int(m[2])
        if m[3]:
            return dt.date(year, month, int(m[3])).isoformat()
        return dt.date(year, month, calendar.monthrange(year, month)[1]).isoformat()
    except ValueError:
        raise ValueError(f"knowledge_cutoff must be YYYY-MM or YYYY-MM-DD, got {value!r}") from None


class ModelConfig(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

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
    # the model's training data cutoff, YYYY-MM (through that month's last day) or YYYY-MM-DD: model-days on or
    # before it are "in training window" in results and performance (service/cutoffs.py)
    knowledge_cutoff: str | None = None
    runs: int = Field(default=1, ge=1, le=MAX_RUNS)  # repeated runs: independent ledgers (runs.py)
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
    _key_problem: str | None = PrivateAttr(default=None)  # why the job's key could not be read back (with_keys)

    @field_validator("signature")
    @classmethod
    def _signature(cls, v: str) -> str:
        if not SIGNATURE_RE.match(v):
            raise ValueError(
                f"invalid signature {v!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        return v

    @field_validator("knowledge_cutoff")
    @classmethod
    def _cutoff(cls, v: str | None) -> str | None:
        if v is not None:
            cutoff_date(v)
        return v

    @property
    def cutoff_date(self) -> str | None:
        """The last day the knowledge cutoff covers (YYYY-MM: that month's last day), or None."""
        return cutoff_date(self.knowledge_cutoff) if self.knowledge_cutoff else None

    @field_validator("openai_api_key")
    @classmethod
    def _register_key(cls, v: str | None) -> str | None:
        redact.register(v)  # never echoed from now on (errors, events, logs, responses)
        return v

    @model_validator(mode="after")
    def _request_settings(self) -> ModelConfig:
        check_request_settings(self)  # the provider's own required fields are entry_problems (all reported at once)
        return self

    @property
    def key_problem(self) -> str | None:
        """Set when the entry had an API key when its job was created and it cannot be read back now."""
        return self._key_problem


class DateRange(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
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
    model_config = ConfigDict(extra="allow", strict=True)
    max_steps: int = Field(default=30, ge=1)
    max_retries: int = Field(default=3, ge=0)
    base_delay: float = Field(default=1.0, ge=0)
    initial_cash: float = Field(default=10_000.0, gt=0)
    # trading costs (an extension of AI-Trader's agent_config; README "Trade rules"); 0 = frictionless
    commission_bps: float = Field(default=0.0, ge=0, le=1000, allow_inf_nan=False)
    commission_min: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    slippage_bps: float = Field(default=0.0, ge=0, le=1000, allow_inf_nan=False)
    # a job's inference budget (README "Cost preview and budget"); a trigger's max_cost_usd overrides it
    max_cost_usd: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    def costs(self) -> Costs:
        return Costs(self.commission_bps, self.commission_min, self.slippage_bps)


class LogConfig(BaseModel):
    """`log_path`: where the AI-Trader files go. This service always writes them to DATA_DIR/agent_data, so the value
    must name that folder (`log_path_problems`); it is accepted for compatibility with AI-Trader configs."""

    model_config = ConfigDict(extra="allow", strict=True)
    log_path: str = "./data/agent_data"


class CompetitionConfig(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    agent_type: str = "BaseAgent"
    date_range: DateRange
    models: list[ModelConfig] = Field(min_length=1)
    agent_config: AgentConfig = Field(default_factory=AgentConfig)
    log_config: LogConfig = Field(default_factory=LogConfig)
    # unknown keys found when the file was loaded (config_keys.py): the trigger's warnings; not part of the config
    _key_warnings: list[str] = PrivateAttr(default_factory=list)

    @property
    def key_warnings(self) -> list[str]:
        return self._key_warnings

    @key_warnings.setter
    def key_warnings(self, value: list[str]) -> None:
        self._key_warnings = list(value)

    @model_validator(mode="after")
    def _shared_endpoints(self) -> CompetitionConfig:
        check_shared_endpoints(self.models)  # unique signatures are entry_problems (all reported at once)
        return self

    def stored(self) -> dict[str, Any]:
        """The config as a job keeps it in the database: each model's API key replaced by `***` (see `with_keys`)."""
        data = self.model_dump(mode="json")
        for m in data["models"]:
            if m.get("knowledge_cutoff") is None:
                m.pop("knowledge_cutoff", None)  # a config without cutoffs is stored exactly as before they existed
            for key in SECRET_KEYS:
                if m.get(key):
                    m[key] = redact.MASK
        return data

    def enabled(self) -> list[ModelConfig]:
        return [m for m in self.models if m.enabled]

    def model(self, signature: str) -> ModelConfig | None:
        """The entry of a signature — or of a run's ledger key, as that run plays it (`runs.run_entry`)."""
        base, _ = split_key(signature)
        found = next((m for m in self.models if m.signature == base), None)
        return run_entry(found, signature) if found is not None and base != signature else found

    def run_keys(self, signatures: Sequence[str] | None = None, runs: int | None = None) -> list[str]:
        """The ledger keys of `signatures` (default: every entry), `runs` times each or each entry's own `runs`."""
        chosen = [m for m in self.models if signatures is None or m.signature in signatures]
        return [k for m in chosen for k in run_keys(m.signature, runs or m.runs)]


def model_entries(data: Any) -> list[tuple[int, dict[str, Any]]]:
    """(index, entry) of the raw config's model entries that are objects."""
    models = data.get("models") if isinstance(data, dict) else None
    return [(i, m) for i, m in enumerate(models) if isinstance(m, dict)] if isinstance(models, list) else []


def entry_problems(data: dict[str, Any]) -> list[Problem]:
    """The entry-level problems of the raw model entries: what each provider requires, unique signatures. Wrong types
    are left to the field validation (reported once, there); known strategy and script names are checked by the
    service (`service/configs.py`: the names live in `agents/`, above this module)."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, m in model_entries(data):
        at = f"models.{i}"
        provider = m.get("provider", "openai")
        sig = m.get("signature")
        if isinstance(sig, str):
            if sig in seen:
                problems.append(problem(f"{at}.signature", f"duplicate signature {sig!r} (also models.{seen[sig]})"))
            seen.setdefault(sig, i)
        if provider == "openai" and m.get("basemodel") in (None, ""):
            problems.append(problem(f"{at}.basemodel", "basemodel is required for an OpenAI-compatible model"))
        if provider == "baseline" and m.get("strategy") in (None, ""):
            problems.append(problem(f"{at}.strategy", "strategy is required for a baseline"))
        if provider == "replay":
            of = m.get("replay_of")
            if of in (None, ""):
                problems.append(problem(f"{at}.replay_of", "replay_of is required for a replay model"))
            elif isinstance(of, str) and not SIGNATURE_RE.match(of):
                problems.append(problem(f"{at}.replay_of", f"replay_of {of[:70]!r} is not a valid signature"))
    return problems


def problem(location: str, text: str) -> Problem:
    return {"location": location, "problem": text}


def parse_config(data: Any, source: str = "config", checks: Iterable[Check] = ()) -> CompetitionConfig:
    """Validate a config object; InvalidConfig lists every problem with its location: field problems, entry-level
    problems (`entry_problems`) and those of the extra `checks`, all at once."""
    if isinstance(data, dict):
        # AI-Trader configs name the model by "name" and may omit "signature"
        for _, m in model_entries(data):
            if "signature" not in m and isinstance(m.get("name"), str):
                m["signature"] = m["name"]
    problems: list[Problem] = []
    config = None
    try:
        config = CompetitionConfig.model_validate(data)
    except ValidationError as exc:
        problems = [
            problem(".".join(str(p) for p in err["loc"]) or "(root)", _clean(err["msg"]))
            for err in exc.errors(include_url=False, include_input=False)
        ]
    if isinstance(data, dict):
        problems += entry_problems(data)
        for check in checks:
            problems += check(data)
    if problems or config is None:
        summary = "; ".join(f"{p['location']}: {p['problem']}" for p in problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InvalidConfig(f"invalid config {source}: {summary}{more}", {"problems": problems}) from None
    return config


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def load_config(path: Path, checks: Iterable[Check] = ()) -> CompetitionConfig:
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
        found = problem("(root)", f"not valid JSON: {exc}")
        raise InvalidConfig(f"config {path.name} is not valid JSON: {exc}", {"problems": [found]}) from None
    return parse_config(data, path.name, checks)


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

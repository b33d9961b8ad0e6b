"""Typed settings, built once at start (from the environment and `.env`) and passed in explicitly.

Tests build their own `Settings(...)`; nothing reads `os.environ` after start-up. Numbers have ranges (ports
1-65535, job and day limits >= 1, timeouts > 0): a bad value fails at start, named by its variable
(`describe_invalid`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from . import redact

Port = Annotated[int, Field(ge=1, le=65535)]
Positive = Annotated[int, Field(ge=1)]
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # LLM provider defaults (per-signature values in the config file win)
    openai_api_base: str | None = Field(default=None, description="OPENAI_API_BASE")
    openai_api_key: str | None = Field(default=None, description="OPENAI_API_KEY")
    # defaults for every OpenAI-compatible model entry (README "Model settings"; an entry's own key wins)
    llm_request_timeout_seconds: float = Field(default=120.0, gt=0, allow_inf_nan=False)
    llm_max_concurrent_requests: int | None = Field(default=None, ge=1, description="per endpoint; unset: no cap")
    llm_requests_per_minute: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    llm_tokens_per_minute: int | None = Field(default=None, ge=1, description="estimated: 4 characters per token")
    llm_max_retry_after_seconds: float = Field(
        default=300.0, ge=0, allow_inf_nan=False, description="a longer Retry-After fails the call at once"
    )
    # market data and news
    alphaadvantage_api_key: str | None = Field(default=None, description="ALPHAADVANTAGE_API_KEY")
    alphavantage_base_url: str = "https://www.alphavantage.co/query"
    alphavantage_daily_function: Literal["TIME_SERIES_DAILY", "TIME_SERIES_DAILY_ADJUSTED"] = Field(
        default="TIME_SERIES_DAILY", description="ADJUSTED (premium) also records its splits and dividends"
    )
    jina_api_key: str | None = None
    jina_base_url: str = "https://s.jina.ai"
    news_provider: Literal["local", "alphavantage", "jina", "none"] = "local"
    news_file: Path | None = None
    auto_download_price_data: bool = False
    av_requests_per_minute: Positive = 5
    av_requests_per_day: Positive = 25
    benchmark_symbols: tuple[str, ...] = Field(default=("QQQ",), description="BENCHMARK_SYMBOLS (JSON list)")
    # paths
    data_dir: Path = Path("./data")
    database_url: str | None = Field(
        default=None,
        description="DATABASE_URL: sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB (unset: DATA_DIR/jobs.db)",
    )
    configs_dir: Path = Path("./configs")
    # HTTP service
    api_host: str = "0.0.0.0"
    api_port: Port = 8080
    api_key: str | None = None
    max_body_bytes: Positive = 64 * 1024
    # MCP tool servers
    mcp_host: str = "127.0.0.1"
    math_http_port: Port = 8000
    search_http_port: Port = 8001
    trade_http_port: Port = 8002
    getprice_http_port: Port = 8003
    tool_transport: Literal["inprocess", "mcp"] = "inprocess"
    mcp_enabled: bool = True
    startup_timeout_seconds: float = Field(
        default=60.0, gt=0, description="STARTUP_TIMEOUT_SECONDS: how long `serve` waits for the MCP servers to answer"
    )
    # jobs and worker
    max_concurrent_jobs: Positive = 1
    max_parallel_models: Positive | None = None  # model-days running at once across a job's signature chains
    model_day_timeout_seconds: Seconds = 300.0
    max_simulation_days: Positive = 365
    strict_config: bool = Field(default=False, description="STRICT_CONFIG: unknown config keys are errors")
    resume_interrupted_jobs: bool = True
    worker_enabled: bool = True
    worker_in_process: bool = Field(
        default=False,
        description="WORKER_IN_PROCESS: `serve` runs the worker as a thread of the API process, not as a child",
    )
    worker_poll_seconds: Seconds = 0.5
    worker_concurrency: Positive | None = Field(
        default=None,
        description="WORKER_CONCURRENCY: model-days one worker process runs at once (default: MAX_PARALLEL_MODELS, "
        "else no limit); several workers split a job's chains fairly",
    )
    worker_lease_seconds: Seconds = Field(
        default=60.0,
        description="WORKER_LEASE_SECONDS: a running model-day whose worker stopped heartbeating this long is taken "
        "over by another worker",
    )
    shutdown_grace_seconds: Seconds = 10.0
    health_check_timeout_seconds: Seconds = 0.4
    # costs: per 1M tokens, {"basemodel": [prompt_usd, completion_usd]}
    price_table: dict[str, tuple[float, float]] = Field(default_factory=dict)
    # metrics
    risk_free_rate: float = 0.0
    trade_fee: float = Field(default=0.0, ge=0, allow_inf_nan=False, description="TRADE_FEE: flat fee per trade, >= 0")
    # logging
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"

    @model_validator(mode="after")
    def _register_secrets(self) -> Settings:
        """Every key read here is redacted from errors, events, responses and logs from now on (redact.py)."""
        redact.register(self.openai_api_key, self.alphaadvantage_api_key, self.jina_api_key, self.api_key)
        if self.database_url:
            redact.register(database_password(self.database_url))
        return self

    @field_validator("database_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _check_database_url(self) -> Settings:
        url = self.database_url
        if url is not None and not url.startswith(DATABASE_SCHEMES):
            raise ValueError(f"DATABASE_URL must start with one of {', '.join(DATABASE_SCHEMES)}")
        return self

    @property
    def db_path(self) -> Path:
        """The default store: the SQLite file in DATA_DIR (used when DATABASE_URL is not set)."""
        return self.data_dir / "jobs.db"

    @property
    def store_url(self) -> str:
        """What `Store` opens: DATABASE_URL, else `sqlite:///DATA_DIR/jobs.db`."""
        return self.database_url or f"sqlite:///{self.db_path}"

    @property
    def agent_data_dir(self) -> Path:
        return self.data_dir / "agent_data"

    def mcp_urls(self) -> dict[str, str]:
        h = self.mcp_host
        return {
            "math": f"http://{h}:{self.math_http_port}/mcp",
            "search": f"http://{h}:{self.search_http_port}/mcp",
            "trade": f"http://{h}:{self.trade_http_port}/mcp",
            "price": f"http://{h}:{self.getprice_http_port}/mcp",
        }


DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgres://")


def database_password(url: str) -> str | None:
    """The password of a database URL (`scheme://user:password@host/...`), if it has one."""
    found = re.match(r"[a-z+]+://[^:/@]+:([^@]*)@", url)
    return found.group(1) if found and found.group(1) else None


INVALID = (ValidationError, SettingsError)  # what building Settings raises for a bad value


def describe_invalid(exc: ValidationError | SettingsError) -> str:
    """One line per bad setting, named by its environment variable: `API_PORT=0: Input should be ...`; a value that
    is not the JSON a list or mapping needs (`PRICE_TABLE`, `BENCHMARK_SYMBOLS`) is a `SettingsError`."""
    if not isinstance(exc, ValidationError):
        found = re.search(r'field "(\w+)"', str(exc))
        name = found.group(1).upper() if found else "(settings)"
        return f"invalid settings:\n  {name}: not valid JSON for this setting ({exc})"
    lines = []
    for err in exc.errors(include_url=False):
        name = "_".join(str(p) for p in err["loc"][:1]).upper() or "(settings)"
        value = err.get("input")
        shown = f"={str(value)[:80]}" if isinstance(value, str | int | float) and "KEY" not in name else ""
        lines.append(f"{name}{shown}: {err['msg']}")
    return "invalid settings:\n  " + "\n  ".join(lines)

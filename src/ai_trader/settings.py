"""Typed settings, built once at start (from the environment and `.env`) and passed in explicitly.

Tests build their own `Settings(...)`; nothing reads `os.environ` after start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import redact


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # LLM provider defaults (per-signature values in the config file win)
    openai_api_base: str | None = Field(default=None, description="OPENAI_API_BASE")
    openai_api_key: str | None = Field(default=None, description="OPENAI_API_KEY")
    # market data and news
    alphaadvantage_api_key: str | None = Field(default=None, description="ALPHAADVANTAGE_API_KEY")
    alphavantage_base_url: str = "https://www.alphavantage.co/query"
    jina_api_key: str | None = None
    jina_base_url: str = "https://s.jina.ai"
    news_provider: Literal["local", "alphavantage", "jina", "none"] = "local"
    news_file: Path | None = None
    auto_download_price_data: bool = False
    av_requests_per_minute: int = 5
    av_requests_per_day: int = 25
    benchmark_symbols: tuple[str, ...] = Field(default=("QQQ",), description="BENCHMARK_SYMBOLS (JSON list)")
    # paths
    data_dir: Path = Path("./data")
    configs_dir: Path = Path("./configs")
    # HTTP service
    api_host: str = "0.0.0.0"
    api_port: int = 8080
    api_key: str | None = None
    max_body_bytes: int = 64 * 1024
    # MCP tool servers
    mcp_host: str = "127.0.0.1"
    math_http_port: int = 8000
    search_http_port: int = 8001
    trade_http_port: int = 8002
    getprice_http_port: int = 8003
    tool_transport: Literal["inprocess", "mcp"] = "inprocess"
    mcp_enabled: bool = True
    startup_timeout_seconds: float = Field(
        default=60.0, gt=0, description="STARTUP_TIMEOUT_SECONDS: how long `serve` waits for the MCP servers to answer"
    )
    # jobs and worker
    max_concurrent_jobs: int = 1
    max_parallel_models: int | None = None
    model_day_timeout_seconds: float = 300.0
    max_simulation_days: int = 365
    resume_interrupted_jobs: bool = True
    worker_enabled: bool = True
    worker_poll_seconds: float = 0.5
    shutdown_grace_seconds: float = 10.0
    health_check_timeout_seconds: float = 0.4
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
        return self

    @property
    def db_path(self) -> Path:
        return self.data_dir / "jobs.db"

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

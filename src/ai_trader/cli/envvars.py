"""The environment variables each command reads, shown at the end of its `--help` ("Environment: ...").

Every variable is also read from `./.env`; an option given on the command line wins over its variable.
`RUNTIME_ENV_PATH` (AI-Trader's runtime file) is not read by any command: context is passed explicitly.
"""

from __future__ import annotations

LOGGING = ("LOG_LEVEL", "LOG_FORMAT")
STORE = ("DATA_DIR", "DATABASE_URL")  # where the store is (DATABASE_URL wins; default DATA_DIR/jobs.db)
ALPHA_VANTAGE = (
    "ALPHAADVANTAGE_API_KEY",
    "ALPHAVANTAGE_BASE_URL",
    "ALPHAVANTAGE_DAILY_FUNCTION",
    "AV_REQUESTS_PER_MINUTE",
    "AV_REQUESTS_PER_DAY",
)
# the catch-up download a job does first (jobs/refresh.py)
DOWNLOAD = ("AUTO_DOWNLOAD_PRICE_DATA", *ALPHA_VANTAGE, "BENCHMARK_SYMBOLS")
NEWS = (
    "NEWS_PROVIDER",
    "NEWS_FILE",
    "JINA_API_KEY",
    "JINA_BASE_URL",
    "ALPHAADVANTAGE_API_KEY",
    "ALPHAVANTAGE_BASE_URL",
)
MCP = ("MCP_HOST", "MATH_HTTP_PORT", "SEARCH_HTTP_PORT", "TRADE_HTTP_PORT", "GETPRICE_HTTP_PORT")
# running model-days: the LLM endpoint and costs, the chains, the tools
LLM = (
    "LLM_REQUEST_TIMEOUT_SECONDS",
    "LLM_MAX_CONCURRENT_REQUESTS",
    "LLM_REQUESTS_PER_MINUTE",
    "LLM_TOKENS_PER_MINUTE",
    "LLM_MAX_RETRY_AFTER_SECONDS",
)
MODEL_DAYS = (
    "OPENAI_API_BASE",
    "OPENAI_API_KEY",
    *LLM,
    "PRICE_TABLE",
    "MAX_PARALLEL_MODELS",
    "MODEL_DAY_TIMEOUT_SECONDS",
    "TRADE_FEE",
    "TOOL_TRANSPORT",
    *MCP,
    *NEWS,
)
TRIGGER = ("MAX_SIMULATION_DAYS", "MAX_CONCURRENT_JOBS", "STRICT_CONFIG", *DOWNLOAD)
WORKER = ("MAX_CONCURRENT_JOBS", "RESUME_INTERRUPTED_JOBS", *DOWNLOAD, *MODEL_DAYS)

COMMANDS: dict[str, tuple[str, ...]] = {
    "data import": (*STORE, "BENCHMARK_SYMBOLS"),
    "data fetch": (*STORE, *ALPHA_VANTAGE, "BENCHMARK_SYMBOLS"),
    "data status": (
        *STORE,
        "ALPHAADVANTAGE_API_KEY",
        "AUTO_DOWNLOAD_PRICE_DATA",
        "AV_REQUESTS_PER_MINUTE",
        "AV_REQUESTS_PER_DAY",
    ),
    "run": (*STORE, *TRIGGER, *WORKER, "RISK_FREE_RATE"),
    "worker": (
        *STORE,
        *WORKER,
        "WORKER_CONCURRENCY",
        "WORKER_LEASE_SECONDS",
        "WORKER_POLL_SECONDS",
        "SHUTDOWN_GRACE_SECONDS",
    ),
    "serve": (
        "API_HOST",
        "API_PORT",
        "API_KEY",
        "MAX_BODY_BYTES",
        "CONFIGS_DIR",
        *STORE,
        "MCP_ENABLED",
        "STARTUP_TIMEOUT_SECONDS",
        "HEALTH_CHECK_TIMEOUT_SECONDS",
        "RISK_FREE_RATE",
        "WORKER_ENABLED",
        "WORKER_IN_PROCESS",
        "WORKER_POLL_SECONDS",
        "SHUTDOWN_GRACE_SECONDS",
        *TRIGGER,
        *WORKER,
    ),
    "mcp": (*STORE, *MCP, *NEWS, "TRADE_FEE"),
    "results": (*STORE, "RISK_FREE_RATE"),
    "performance": (*STORE, "RISK_FREE_RATE"),
    "status": (*STORE,),
    "jobs": (*STORE,),
    "cancel": (*STORE,),
    "export": (*STORE,),
    "scripted-llm": (),
    "db migrate": STORE,
    "db copy": (),
    "check-model": (*STORE, "OPENAI_API_BASE", "OPENAI_API_KEY", "LLM_REQUEST_TIMEOUT_SECONDS", "STRICT_CONFIG"),
    "demo": (*STORE, "CONFIGS_DIR", "API_PORT", *TRIGGER, *WORKER, "RISK_FREE_RATE"),
}


def names(command: str) -> list[str]:
    """The variables `command` reads, each once, logging last."""
    return list(dict.fromkeys((*COMMANDS[command], *LOGGING)))


def epilog(command: str) -> str:
    """The `--help` epilog naming the command's variables."""
    return f"Environment (or ./.env): {', '.join(names(command))}."

"""Request and response models of the HTTP API (pydantic v2). Requests are strict (no type coercion, unknown
fields refused); response models document the shapes in OpenAPI and are checked by the schemathesis run."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _unicode(value: str) -> str:
    """JSON may spell a lone surrogate (`"\\ud800"`), which is no character: refused as not valid Unicode."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text (a lone surrogate such as \\ud800)") from None
    return value


Text = Annotated[str, AfterValidator(_unicode)]


class TriggerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    config_path: Text | None = Field(default=None, max_length=512, examples=["configs/default_config.json"])
    start_date: Text | None = Field(default=None, max_length=32, examples=["2025-10-01"])
    end_date: Text | None = Field(default=None, max_length=32, examples=["2025-10-15"])
    models: list[Text] | None = Field(
        default=None,
        max_length=1000,
        examples=[["gpt-5"]],
        description="signatures from the config (enabled or not); [] or null: every enabled model",
    )
    replace_existing: bool = False


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(_Open):
    error: str
    message: str
    details: dict[str, Any] | None = None


class ConflictBody(ErrorBody):
    current_job_id: str | None = None
    current_date_range: list[str] | None = None


class Current(_Open):
    date: str
    model: str


class DetailItem(_Open):
    date: str
    model: str
    status: str
    duration_seconds: float | None = None
    error: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    phase: str | None = None  # on a running model-day only: "waiting_for_rate_limit" while it waits for the endpoint
    phase_until: str | None = None  # when that wait should end (ISO 8601 UTC), when known


class Progress(_Open):
    total_model_days: int
    completed: int
    failed: int
    skipped: int
    pending: int
    running: int
    current: Current | None = None
    details: list[DetailItem] | None = None


class JobBody(_Open):
    job_id: str
    status: str
    date_range: list[str]
    models: list[str]
    progress: Progress | None = None
    created_at: str | None = None
    started_at: str | None = None
    updated_at: str | None = None
    completed_at: str | None = None
    total_duration_seconds: float | None = None
    error: str | None = None
    phase: str | None = None  # "fetching_prices" while a catch-up job downloads prices, "cancelling"; else null


class TriggerAccepted(_Open):
    job_id: str
    status: Literal["accepted"]
    date_range: list[str]
    models: list[str]
    created_at: str
    message: str
    total_model_days: int
    warnings: list[Any] = []


class TriggerOk(_Open):
    """Either the same job already in progress (`job_id`, `status`, `progress`) or `status: current`."""

    status: str
    message: str
    job_id: str | None = None
    progress: Progress | None = None
    last_simulation_date: str | None = None
    next_trading_day: str | None = None
    warnings: list[str] | None = None  # present when the request was adjusted (e.g. end_date clamped)


class JobList(_Open):
    data: list[JobBody]
    count: int


class JobEvent(_Open):
    """One status transition of the job (`scope` "job") or of one of its model-days (`scope` "model-day")."""

    at: str
    scope: Literal["job", "model-day"]
    date: str | None
    model: str | None
    from_status: str | None
    to_status: str
    detail: str | None


class JobEvents(_Open):
    job_id: str
    events: list[JobEvent]
    count: int


class DailyPnl(_Open):
    profit: float
    return_pct: float
    portfolio_value: float


class Trade(_Open):
    id: int
    action: Literal["buy", "sell"]
    symbol: str
    amount: int
    price: float  # the day's open
    total: float  # amount * price
    fill_price: float | None = None  # the open moved against the trader by slippage_bps
    commission: float = 0.0
    slippage: float = 0.0  # money: amount * |fill_price - price|
    fee: float = 0.0  # the flat TRADE_FEE


class Reasoning(_Open):
    total_steps: int
    stop_signal_received: bool
    reasoning_summary: str
    tool_usage: dict[str, int]


class Usage(_Open):
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class DayResult(_Open):
    positions: dict[str, float]
    daily_pnl: DailyPnl
    trades: list[Trade] | None = None
    ai_reasoning: Reasoning | None = None
    usage: Usage | None = None
    log_file_path: str | None = None


class ModelDayResult(DayResult):
    model: str


class RangeDay(DayResult):
    date: str


class Metrics(_Open):
    days: int
    start_value: float
    end_value: float
    cumulative_return: float
    annualized_return: float | None = None
    volatility: float | None = None
    sharpe: float | None = None
    sortino: float | None = None
    max_drawdown: float
    max_drawdown_peak_date: str | None = None
    max_drawdown_trough_date: str | None = None
    calmar: float | None = None
    win_rate: float | None = None
    trades: int


class BenchmarkMetrics(Metrics):
    symbol: str


class ModelMetrics(Metrics):
    benchmark: BenchmarkMetrics | None = None


class ModelRange(_Open):
    model: str
    days: list[RangeDay]
    metrics: ModelMetrics


class ResultsBody(_Open):
    """One date (`date` + per-model results) or a range (`start_date`, `end_date` + per-model days and metrics)."""

    date: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    results: list[ModelDayResult] | list[ModelRange]
    failed_attempts: list[dict[str, Any]] | None = Field(
        default=None,
        description="failed attempts at days of the query (model, date, job_id, attempt, error, steps, tokens, file); "
        "never committed days: not in results or metrics. Absent when there are none",
    )


class CostScenario(_Open):
    bps_per_side: float
    final_value: float
    cumulative_return: float


class LeaderboardRow(_Open):
    rank: int
    model: str
    first_date: str
    last_date: str
    days: int
    final_value: float
    metrics: Metrics
    turnover: float = 0.0  # traded notional / mean portfolio value
    cost_sensitivity: list[CostScenario] = []  # the cumulative return re-valued at 0, 5, 10, 25 bps per side


class PerformanceBody(_Open):
    start_date: str | None
    end_date: str | None
    leaderboard: list[LeaderboardRow]
    benchmark: BenchmarkMetrics | None
    count: int


class ServiceHealth(_Open):
    status: Literal["up", "down", "disabled"]
    url: str
    error: str | None = None


class HealthBody(_Open):
    status: Literal["healthy", "unhealthy"]
    timestamp: str
    services: dict[str, ServiceHealth]
    storage: dict[str, Any]
    database: dict[str, Any]
    worker: dict[str, Any]
    exports: dict[str, Any] = Field(
        description='"current", or "behind" (unhealthy) while export files owed after a commit are not written yet'
    )

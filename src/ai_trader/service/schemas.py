"""The service's return types: the wire bodies of spec/api.md as pydantic models, defined once. The service builds
them, the routes map them to status codes and serialize `wire()`, the CLI renders them, and the OpenAPI is generated
from them (`response_model`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Schema(BaseModel):
    """A wire body: the fields a service set, in field order (`wire()`: `exclude_unset`, so a key the service left
    out stays out, as in spec/api.md); unknown extra keys allowed (extensions such as `failed_session`)."""

    model_config = ConfigDict(extra="allow")

    def wire(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class Current(Schema):
    date: str
    model: str


class DetailItem(Schema):
    date: str
    model: str
    status: str
    duration_seconds: float | None = None
    error: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    phase: str | None = None  # on a running model-day only: "waiting_for_rate_limit" while it waits for the endpoint
    phase_until: str | None = None  # when that wait should end (ISO 8601 UTC), when known


class Progress(Schema):
    total_model_days: int
    completed: int
    failed: int
    skipped: int
    pending: int
    running: int
    current: Current | None = None
    details: list[DetailItem] | None = None


class JobBody(Schema):
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
    phase: str | None = None  # "fetching_prices" while a catch-up job downloads prices; else null


class Queued(Schema):
    """A trigger that queued a new job (HTTP 202)."""

    job_id: str
    status: Literal["accepted"]
    date_range: list[str]
    models: list[str]
    created_at: str
    message: str
    total_model_days: int
    warnings: list[str] = []


class AlreadyRunning(JobBody):
    """A trigger whose every model-day is already pending or running in one active job: that job (HTTP 200)."""

    message: str
    warnings: list[str] | None = None  # present when the request was adjusted (e.g. end_date clamped)


class UpToDate(Schema):
    """A trigger with nothing left to run (HTTP 200)."""

    status: Literal["current"]
    message: str
    last_simulation_date: str | None = None
    next_trading_day: str | None = None
    warnings: list[str] | None = None  # present when the request was adjusted (e.g. end_date clamped)


class DryRun(Schema):
    """A trigger with `dry_run: true` (HTTP 200): the plan and its estimated cost; no job created. `plan` lists per
    signature and run the model_days, dates and an `estimate` with its `method`; `estimate` holds the totals
    (README "Cost preview and budget")."""

    status: Literal["dry_run"]
    dry_run: bool
    message: str
    date_range: list[str]
    models: list[str]
    total_model_days: int
    plan: list[dict[str, Any]]
    estimate: dict[str, Any]
    warnings: list[Any] = []


TriggerOutcome = Queued | AlreadyRunning | UpToDate | DryRun


class JobList(Schema):
    data: list[JobBody]
    count: int


class JobEvent(Schema):
    """One status transition of the job (`scope` "job") or of one of its model-days (`scope` "model-day")."""

    at: str
    scope: Literal["job", "model-day"]
    date: str | None
    model: str | None
    from_status: str | None
    to_status: str
    detail: str | None


class JobEvents(Schema):
    job_id: str
    events: list[JobEvent]
    count: int


class DailyPnl(Schema):
    profit: float
    return_pct: float
    portfolio_value: float


class Trade(Schema):
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


class Reasoning(Schema):
    total_steps: int
    stop_signal_received: bool
    reasoning_summary: str
    tool_usage: dict[str, int]


class Usage(Schema):
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class DayResult(Schema):
    positions: dict[str, float]
    daily_pnl: DailyPnl
    trades: list[Trade] | None = None
    ai_reasoning: Reasoning | None = None
    usage: Usage | None = None
    log_file_path: str | None = None
    in_training_window: bool | None = Field(
        default=None,
        description="present when the model entry states a knowledge_cutoff: true on or before it",
    )


class ModelDayResult(DayResult):
    model: str


class RangeDay(DayResult):
    date: str


class Metrics(Schema):
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


class PostCutoff(Schema):
    """The metrics over the days after the model's knowledge cutoff alone (null metrics: no such day)."""

    days: int
    first_date: str | None
    metrics: Metrics | None


class ModelRange(Schema):
    model: str
    days: list[RangeDay]
    metrics: ModelMetrics
    knowledge_cutoff: str | None = Field(default=None, description="present when the model entry states one")
    training_window_days: int | None = None
    post_cutoff: PostCutoff | None = None


class ResultsBody(Schema):
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


class CostScenario(Schema):
    bps_per_side: float
    final_value: float
    cumulative_return: float


class MetricInterval(Schema):
    """A metric's mean over runs, its 95 % interval (across runs, or from the days with one run) and per-run values."""

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    per_run: list[float | None]


class ExcessStats(Schema):
    """Annualised mean daily excess return over QQQ, its stationary-bootstrap interval and P(beat QQQ)."""

    days: int
    annualized: float | None
    ci_low: float | None
    ci_high: float | None
    p_beat: float | None


class SignatureStatistics(Schema):
    runs: int
    days: int  # the trading days every run of the signature has
    interval_method: Literal["runs", "days"]
    note: str | None = None  # with one run: the intervals come from the days alone
    metrics: dict[str, MetricInterval]  # cumulative_return, annualized_return, sharpe, max_drawdown
    excess: ExcessStats | None
    tier: int | None  # 1 = indistinguishable from the best (model confidence set); null with < 10 common days
    deflated_sharpe: float | None


class BoardStatistics(Schema):
    trials: int  # signatures x runs: the number of strategies tried, for the deflated Sharpe ratio
    tier_days: int
    expected_max_sharpe: float  # SR0 of the deflated Sharpe ratio (daily)
    method: dict[str, Any]


class InferenceCost(Schema):
    """What the row's committed days cost to infer (`usd` null = unknown: some day's cost is unknown, never 0)."""

    days: int
    usd: float | None
    usd_known: float
    unknown_days: int
    usd_per_day: float | None
    tokens: dict[str, int]  # prompt, completion, total
    tokens_per_day: float | None
    wall_seconds: float
    excess_return_per_usd: float | None  # (cumulative return - QQQ's over the same days) / usd


class LeaderboardRow(Schema):
    rank: int
    model: str
    first_date: str
    last_date: str
    days: int
    final_value: float
    metrics: Metrics
    turnover: float = 0.0  # traded notional / mean portfolio value
    cost_sensitivity: list[CostScenario] = []  # the cumulative return re-valued at 0, 5, 10, 25 bps per side
    knowledge_cutoff: str | None = None  # the model entry's, as written (YYYY-MM or YYYY-MM-DD)
    training_window_days: int = 0  # days on or before the cutoff
    post_cutoff: PostCutoff | None = None  # metrics of the days after the cutoff alone; null without a cutoff
    run: int | None = None  # present for run k >= 2 (`?run=k`)
    statistics: SignatureStatistics | None = None
    inference: InferenceCost | None = None  # null: no recorded sessions


class PerformanceBody(Schema):
    start_date: str | None
    end_date: str | None
    leaderboard: list[LeaderboardRow]
    benchmark: BenchmarkMetrics | None
    count: int
    statistics: BoardStatistics | None = None


class ServiceHealth(Schema):
    status: Literal["up", "down", "disabled"]
    url: str
    error: str | None = None


class ExportOwed(Schema):
    """A signature whose export files could not be written after a commit (`jobs/export_repair.py`)."""

    signature: str
    owed_since: str
    failed_at: str | None = None
    error: str | None = None


class Exports(Schema):
    """Whether the AI-Trader export files follow the database ("behind" makes the service unhealthy)."""

    status: Literal["current", "behind"]
    behind: list[ExportOwed]


class Health(Schema):
    """`GET /health` (HTTP 200 when healthy, else 503)."""

    status: Literal["healthy", "unhealthy"]
    timestamp: str
    services: dict[str, ServiceHealth]
    storage: dict[str, Any]
    database: dict[str, Any]
    worker: dict[str, Any]
    exports: Exports


# ---- the dashboard's price data (service/dashboard.py) ----


class SeriesPoint(Schema):
    date: str
    value: float


class BenchmarkLine(Schema):
    symbol: str
    start_date: str
    end_date: str
    series: list[SeriesPoint]


class Closes(Schema):
    date: str
    closes: dict[str, float]

"""The dry run of a trigger (issue 18 §4): the plan and what it would cost, without creating a job.

Per ledger (signature and run) of the plan: its model-days and an estimate of tokens, USD and wall time =
model-days × a per-model-day figure, taken from
- `history`: the mean over that ledger's committed model-days with a recorded session (prompt and completion
  tokens, wall time of the committing model-day) — or, for a run k ≥ 2 with none yet, over run 1's;
- `default` otherwise, by provider: `openai` 30,000 prompt + 2,000 completion tokens and 60 s per model-day (a
  30-step budget of a tool-calling model on the compact prompt, roughly); `scripted` 8,000 + 300 tokens, 0.5 s;
  `baseline` and `replay` 0 tokens, 0.2 s.
USD = those tokens priced as a session is (`agents/costs.session_cost`: PRICE_TABLE, the scripted model's 0,
genai-prices) — for history, the mean recorded USD when every recorded day's cost is known; null (unknown) when no
price is known. Wall time of the job: the longest chain, or the sum over chains divided by the parallelism
(MAX_PARALLEL_MODELS, default every chain at once), whichever is larger.
"""

from __future__ import annotations

from typing import Any

from .. import runs
from ..agents.costs import session_cost
from ..config import CompetitionConfig
from ..jobs.planner import Plan
from ..settings import Settings
from ..store import db
from ..store.inference import InferenceRow, inference_by_signature

DEFAULTS: dict[str, tuple[int, int, float]] = {  # provider -> (prompt, completion tokens, wall seconds) per day
    "openai": (30_000, 2_000, 60.0),
    "scripted": (8_000, 300, 0.5),
    "baseline": (0, 0, 0.2),
    "replay": (0, 0, 0.2),
}


def dry_run_body(conn: db.Connection, plan: Plan, config: CompetitionConfig, settings: Settings) -> dict[str, Any]:
    keys = list(plan.days)
    history = inference_by_signature(conn, None, None, keys + [runs.split_key(k)[0] for k in keys])
    items = [_item(key, plan.days[key], config, settings, history) for key in keys]
    serial = sum(i["estimate"]["wall_seconds"] for i in items)
    parallel = settings.max_parallel_models or max(len(items), 1)
    wall = max([serial / parallel] + [i["estimate"]["wall_seconds"] for i in items])
    usd = [i["estimate"]["usd"] for i in items]
    return {
        "status": "dry_run",
        "dry_run": True,
        "message": "Dry run: nothing was queued",
        "date_range": plan.date_range,
        "models": plan.job_models,
        "total_model_days": plan.total,
        "plan": items,
        "estimate": {
            "prompt_tokens": sum(i["estimate"]["prompt_tokens"] for i in items),
            "completion_tokens": sum(i["estimate"]["completion_tokens"] for i in items),
            "usd": None if any(u is None for u in usd) else round(sum(u for u in usd if u is not None), 6),
            "wall_seconds": round(wall, 1),
        },
        "warnings": plan.warnings,
    }


def _item(key: str, days: list[str], config: CompetitionConfig, settings: Settings, history) -> dict[str, Any]:
    sig, run = runs.split_key(key)
    model = config.model(key)
    provider = model.provider if model else "openai"
    basemodel = (model.basemodel or model.signature) if model else sig
    past: InferenceRow | None = history.get(key) or history.get(sig)
    n = len(days)
    if past and past.days:
        prompt, completion = past.prompt_tokens / past.days, past.completion_tokens / past.days
        wall = past.wall_seconds / past.days
        per_day = None if past.unknown_days else past.usd_known / past.days
        if per_day is None:
            per_day = _priced(settings, basemodel, provider, prompt, completion)
        method = f"history: mean of {past.days} recorded model-day(s) of {sig if key not in history else key}"
    else:
        p, c, wall = DEFAULTS.get(provider, DEFAULTS["openai"])
        prompt, completion = float(p), float(c)
        per_day = _priced(settings, basemodel, provider, prompt, completion)
        method = f"default for provider {provider!r} (no recorded model-days)"
    body = {"model": sig, "model_days": n, "first_date": days[0], "last_date": days[-1]}
    if run != 1:
        body["run"] = run
    body["estimate"] = {
        "prompt_tokens": round(prompt * n),
        "completion_tokens": round(completion * n),
        "usd": None if per_day is None else round(per_day * n, 6),
        "wall_seconds": round(wall * n, 1),
        "method": method,
    }
    return body


def _priced(settings: Settings, basemodel: str, provider: str, prompt: float, completion: float) -> float | None:
    if provider in ("baseline", "replay"):
        return 0.0
    usd, source = session_cost(settings.price_table, basemodel, round(prompt), round(completion), provider=provider)
    return usd if source is not None else None

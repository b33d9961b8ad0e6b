"""The leaderboard's `inference`: USD (PRICE_TABLE here), tokens and wall time per signature from the recorded
sessions, the excess return over QQQ per dollar, and "unknown" (null) — not 0 — when a day's cost is unknown."""

from __future__ import annotations

import pytest

from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from ai_trader.service.performance import performance
from tests.support.jobs import trigger

from .conftest import TODAY, write_config

pytestmark = pytest.mark.both_engines

PRICED = {"signature": "priced", "provider": "scripted", "script": "momentum_lite", "basemodel": "scripted/priced"}
DAYS = {"start_date": "2025-06-10", "end_date": "2025-06-20"}  # 8 trading days (06-19 is a holiday)


def test_inference_cost_per_signature_and_unknown_is_not_zero(settings, store):
    settings = settings.model_copy(update={"price_table": {"scripted/priced": (3.0, 15.0)}})
    write_config(settings, [PRICED, {"signature": "cash", "provider": "baseline", "strategy": "cash"}])
    svc = JobService(settings, store, today=lambda: TODAY)
    assert trigger(svc, DAYS)[0] == 202
    Worker(settings, store).drain()
    with store.read() as conn:
        rows = conn.execute(
            "SELECT s.prompt_tokens, s.completion_tokens, s.cost_usd, s.cost_source, j.duration_seconds"
            " FROM model_days d JOIN session_records s ON s.model_day_id = d.id"
            " JOIN job_details j ON j.job_id = d.job_id AND j.model = d.signature AND j.date = d.date"
            " WHERE d.signature = 'priced'"
        ).fetchall()
    assert len(rows) == 8 and {r[3] for r in rows} == {"price_table"}
    prompt, completion = sum(r[0] for r in rows), sum(r[1] for r in rows)
    usd = sum(round(r[0] / 1e6 * 3.0 + r[1] / 1e6 * 15.0, 6) for r in rows)

    board = performance(store, svc.prices())
    row = next(r for r in board["leaderboard"] if r["model"] == "priced")
    inf = row["inference"]
    assert inf["usd"] == pytest.approx(usd) and inf["unknown_days"] == 0 and inf["days"] == 8
    assert inf["usd_per_day"] == pytest.approx(usd / 8)
    assert inf["tokens"] == {"prompt": prompt, "completion": completion, "total": prompt + completion}
    assert inf["wall_seconds"] == pytest.approx(sum(r[4] for r in rows), abs=1e-3)
    qqq = board["benchmark"]["cumulative_return"]  # the same days for every row here
    assert inf["excess_return_per_usd"] == pytest.approx((row["metrics"]["cumulative_return"] - qqq) / usd)
    cash = next(r for r in board["leaderboard"] if r["model"] == "cash")["inference"]
    assert cash["usd"] == 0.0 and cash["excess_return_per_usd"] is None  # a baseline: no inference

    # a day whose cost is unknown (e.g. recorded before costs had a source) makes the total unknown
    with store.write() as conn:
        conn.execute(
            "UPDATE session_records SET cost_source = NULL WHERE model_day_id ="
            " (SELECT MIN(id) FROM model_days WHERE signature = 'priced')"
        )
    inf = next(r for r in performance(store, svc.prices())["leaderboard"] if r["model"] == "priced")["inference"]
    assert inf["usd"] is None and inf["unknown_days"] == 1 and inf["usd_per_day"] is None
    assert inf["excess_return_per_usd"] is None and 0 < inf["usd_known"] < usd

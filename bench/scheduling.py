"""Scheduling efficiency: M scripted models x D days, every LLM call delayed by latency_ms.

Efficiency = ideal / wall, where ideal = the slowest signature's total LLM time (its LLM calls, counted from
session_records.total_steps, x its latency). Per-model chains (the real worker: `Worker.drain()`) are compared with
a date-lockstep run of the same job (implemented here only: for each date, all signatures' model-days run at once
and the next date waits for all of them).

Scenarios: `equal` (every model latency_ms) and `unequal` (the first model 4x slower).

    python bench/scheduling.py [--models 10] [--days 20] [--latency-ms 50] [--slow-factor 4]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from _common import (
    OUT,
    by_date,
    config_dict,
    drain,
    fresh_root,
    job_counts,
    settings_for,
    trading_days,
    trigger,
    write_result,
)

from ai_trader.jobs.worker import Worker
from ai_trader.store import Store


def models_for(n: int, latency_ms: float, slow_factor: float | None) -> list[dict[str, Any]]:
    return [{"signature": f"scripted-{i:02d}", "basemodel": "scripted/momentum_lite", "provider": "scripted",
             "script": "momentum_lite",
             "latency_ms": latency_ms * (slow_factor if slow_factor and i == 0 else 1.0)} for i in range(n)]


def run(mode: str, models: list[dict[str, Any]], days: int, profile: bool = False) -> dict[str, Any]:
    root = fresh_root(f"sched-{mode}")
    settings = settings_for(root)
    store = Store(settings.db_path)
    dates = trading_days(store)
    # the job runs the D trading days after init_date (each has a previous close for the script to compare)
    job = trigger(settings, store, config_dict(models, dates[0], dates[days]), {"end_date": dates[days]})
    cpu0 = time.process_time()  # this process only: the worker's event loop, SQLite and the scripted model
    if mode == "chains" and profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        wall = prof.runcall(drain, settings, store)
        prof.dump_stats(OUT / "scheduling.pstats")
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
    elif mode == "chains":
        wall = drain(settings, store)
    else:
        Worker(settings, store).claim()  # pending → running, as the worker would
        t0 = time.perf_counter()
        asyncio.run(by_date(store, settings, job["job_id"]))
        wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    with store.read() as conn:
        calls = {r[0]: r[1] for r in conn.execute(
            "SELECT md.signature, SUM(sr.total_steps) FROM model_days md JOIN session_records sr "
            "ON sr.model_day_id = md.id GROUP BY md.signature")}
    counts = job_counts(store, job["job_id"])
    store.close()
    latency = {m["signature"]: m["latency_ms"] for m in models}
    llm_s = {s: calls.get(s, 0) * latency[s] / 1000 for s in latency}
    slowest = max(llm_s, key=llm_s.get)
    ideal = llm_s[slowest]
    return {"mode": mode, "model_days": job["total_model_days"], "details": counts, "wall_s": round(wall, 3),
            "ideal_s": round(ideal, 3), "efficiency": round(ideal / wall, 4), "wall_over_ideal": round(wall / ideal, 4),
            "cpu_s": round(cpu, 3), "cpu_ms_per_model_day": round(1000 * cpu / max(1, job["total_model_days"]), 1),
            "slowest": slowest, "llm_calls_slowest": calls.get(slowest, 0), "llm_calls_total": sum(calls.values()),
            "llm_calls_per_model_day": round(sum(calls.values()) / max(1, job["total_model_days"]), 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=10)
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--slow-factor", type=float, default=4.0)
    ap.add_argument("--only", choices=["equal", "unequal"], help="run one scenario")
    ap.add_argument("--profile", action="store_true", help="cProfile the chains run (bench/out/scheduling.pstats)")
    args = ap.parse_args()
    results = []
    for scenario, slow in (("equal", None), ("unequal", args.slow_factor)):
        if args.only and scenario != args.only:
            continue
        models = models_for(args.models, args.latency_ms, slow)
        for mode in ("chains",) if args.profile else ("chains", "lockstep"):
            r = {"scenario": scenario, **run(mode, models, args.days, args.profile)}
            results.append(r)
            print(f"{scenario:8} {mode:8} {r['model_days']:4} model-days  wall {r['wall_s']:7.2f} s  "
                  f"ideal {r['ideal_s']:6.2f} s  efficiency {r['efficiency']:.3f}  cpu {r['cpu_s']:6.2f} s  "
                  f"({r['llm_calls_per_model_day']} LLM calls/model-day, details {r['details']})")
    path = write_result("scheduling", {"params": vars(args), "runs": results})
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

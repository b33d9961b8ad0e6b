"""Engine throughput: baseline strategies (equal_weight, momentum, cash in turn) over the whole NASDAQ-100 file
(every trading day after the first) for N signatures, through the real trigger + worker.

Each size runs in its own child process, so that peak RSS (ru_maxrss) belongs to that size alone; the child's RSS
right before the job is reported too (interpreter + imports + price view). Database size after a WAL checkpoint;
the AI-Trader export files (agent_data/) separately.

    python bench/engine_throughput.py [--sizes 10 100] [--days N] [--profile]   # --profile: cProfile the largest size
                                                                  # --days: only the first N days (profiling)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    OUT,
    config_dict,
    db_bytes,
    dir_bytes,
    drain,
    fresh_root,
    job_counts,
    settings_for,
    trading_days,
    trigger,
    write_result,
)

from ai_trader.store import Store

STRATEGIES = ("equal_weight", "momentum", "cash")


def one(n: int, profile: bool, days: int | None = None) -> dict:
    root = fresh_root(f"engine-{n}")
    settings = settings_for(root)
    store = Store(settings.db_path)
    dates = trading_days(store)
    if days:
        dates = dates[: days + 1]  # the first day is only the start (trading starts the day after)
    models = [
        {"signature": f"{STRATEGIES[i % 3]}-{i:03d}", "provider": "baseline", "strategy": STRATEGIES[i % 3]}
        for i in range(n)
    ]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    job = trigger(settings, store, config_dict(models, dates[0], dates[-1]))
    trigger_s = time.perf_counter() - t0
    cpu0 = time.process_time()
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        wall = prof.runcall(drain, settings, store)
        prof.dump_stats(OUT / f"engine_{n}.pstats")
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
    else:
        wall = drain(settings, store)
    cpu = time.process_time() - cpu0
    counts = job_counts(store, job["job_id"])
    store.close()
    md = job["total_model_days"]
    return {
        "signatures": n,
        "days": len(job["date_range"]),
        "model_days": md,
        "details": counts,
        "trigger_s": round(trigger_s, 3),
        "run_wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "model_days_per_s": round(md / wall, 1),
        "ms_per_model_day": round(1000 * wall / md, 2),
        "rss_before_job_mib": round(rss_before / 1024, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **db_bytes(settings.data_dir),
        "agent_data_bytes": dir_bytes(settings.agent_data_dir),
        "profiled": profile,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    ap.add_argument("--profile", action="store_true", help="cProfile the largest size (slower; numbers inflated)")
    ap.add_argument("--days", type=int, help="only the first N trading days (default: the whole file)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.profile, args.days)))
        return 0
    runs = []
    for n in args.sizes:
        cmd = [sys.executable, str(Path(__file__)), "--child", str(n)] + (
            ["--days", str(args.days)] if args.days else []
        )
        if args.profile and n == max(args.sizes):
            cmd.append("--profile")
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        *profile_text, last = done.stdout.strip().splitlines()
        if profile_text:
            print("\n".join(profile_text))
        r = json.loads(last)
        runs.append(r)
        print(
            f"{n:4} signatures x {r['days']} days = {r['model_days']:6} model-days: run {r['run_wall_s']:7.2f} s "
            f"({r['model_days_per_s']:7.1f} model-days/s, cpu {r['cpu_s']:.1f} s), trigger {r['trigger_s']:.2f} s, "
            f"peak RSS {r['peak_rss_mib']} MiB (before job {r['rss_before_job_mib']}), "
            f"db {r['db_bytes'] / 2**20:.1f} MiB, exports {r['agent_data_bytes'] / 2**20:.1f} MiB"
        )
    path = write_result("engine_throughput", {"params": vars(args), "runs": runs})
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

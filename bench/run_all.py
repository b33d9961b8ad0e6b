"""Runs every benchmark in bench/ one after another, each in its own process, with modest default sizes (a few
minutes in all; the sizes of bench/README.md's tables are each script's own defaults). Each writes its JSON to
bench/out/<name>-latest.json (plus a timestamped copy) and prints a summary; this prints where each result went.

`api_latency` needs `wrk` and `dashboard_load` needs Chromium: without them they are reported as not run.
`--smoke` uses tiny sizes (under a minute or so: checks that every benchmark still runs, measures nothing).

    python bench/run_all.py [--smoke] [--only NAME ...]        # `make bench`, `make bench BENCH_ARGS=--smoke`
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


@dataclass(frozen=True)
class Bench:
    name: str  # the script bench/<name>.py and its result bench/out/<name>-latest.json
    modest: tuple[str, ...]
    smoke: tuple[str, ...]
    needs: str | None = None  # an executable on PATH


BENCHMARKS = (
    Bench("engine_throughput", ("--sizes", "10"), ("--sizes", "2", "--days", "3")),
    Bench(
        "scheduling",
        ("--models", "10", "--days", "10"),
        ("--models", "2", "--days", "3", "--latency-ms", "5", "--only", "equal", "--llm", "in-process"),
    ),
    Bench("leaderboard_stats", (), ("--signatures", "3", "--runs", "2", "--days", "20", "--repeat", "1")),
    Bench("tool_roundtrip", ("--calls", "300", "--warmup", "20"), ("--calls", "5", "--warmup", "1")),
    Bench("api_latency", ("--one-s", "2", "--many-s", "3"), ("--one-s", "1", "--many-s", "1"), needs="wrk"),
    Bench(
        "worker_load",
        ("--seconds", "6"),
        ("--seconds", "1", "--triggers", "10", "--pollers", "5", "--modes", "child", "--warm-end", "2025-06-12"),
    ),
    Bench(
        "dashboard_load",
        ("--signatures", "100", "--days", "100", "--runs", "3"),
        ("--signatures", "3", "--days", "5", "--runs", "1"),
        needs="chromium",
    ),
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: check that each benchmark runs")
    ap.add_argument("--only", nargs="+", choices=[b.name for b in BENCHMARKS], help="run only these")
    args = ap.parse_args()
    summary: list[tuple[str, str, float, str]] = []
    for b in BENCHMARKS:
        if args.only and b.name not in args.only:
            continue
        if b.needs and shutil.which(b.needs) is None:
            summary.append((b.name, "not run", 0.0, f"needs `{b.needs}` on PATH"))
            continue
        cmd = [sys.executable, str(HERE / f"{b.name}.py"), *(b.smoke if args.smoke else b.modest)]
        print(f"== {b.name}: {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run(cmd, cwd=HERE.parent, check=False)
        wall = time.perf_counter() - t0
        result = OUT / f"{b.name}-latest.json"
        fresh = result.exists() and result.stat().st_mtime >= time.time() - wall - 1
        if done.returncode == 0 and fresh:
            summary.append((b.name, "ok", wall, str(result.relative_to(HERE.parent))))
        else:
            summary.append((b.name, f"failed (exit {done.returncode})", wall, "no new result"))
    print("\nbenchmark          status        wall     result")
    for name, status, wall, where in summary:
        print(f"{name:18} {status:13} {wall:6.1f} s  {where}")
    return 0 if all(s in ("ok", "not run") for _, s, _, _ in summary) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Leaderboard statistics (`ai_trader.leaderboard.board_statistics`) for S signatures × K runs × N days.

Synthetic daily returns (seeded normal, each signature a different drift) and a QQQ line; measures the wall time of
the whole statistics pass (per-run metrics and intervals, the excess bootstrap, the MCS tiers and the deflated
Sharpe ratio) over `--repeat` calls. Target: < 2 s for 50 × 5 × 250 (issue 18).

    python bench/leaderboard_stats.py [--signatures 50 --runs 5 --days 250 --repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common
import numpy as np

from ai_trader.leaderboard.board import board_statistics


def _series(days: list[str], r: np.ndarray, initial: float = 10_000.0):
    values = initial * np.cumprod(1 + r)
    return initial, list(zip(days, values.tolist(), strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signatures", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--days", type=int, default=250)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    days = [f"d{i:05d}" for i in range(args.days)]
    q = rng.normal(0.0004, 0.012, args.days)
    runs = {
        f"sig-{j}": [_series(days, q + rng.normal(j * 0.00005, 0.006, args.days)) for _ in range(args.runs)]
        for j in range(args.signatures)
    }
    bench = _series(days, q)
    walls, cpus = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        got = board_statistics(runs, bench)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    tiers = sorted({row["tier"] for row in got["by_signature"].values()})
    result = {
        "sizes": {"signatures": args.signatures, "runs": args.runs, "days": args.days},
        "wall_s": walls,
        "median_s": statistics.median(walls),
        "cpu_s": cpus,
        "median_cpu_s": statistics.median(cpus),
        "tiers": len(tiers),
    }
    path = _common.write_result("leaderboard_stats", result)
    print(
        f"{args.signatures} × {args.runs} × {args.days}: median {result['median_s']:.3f} s over {args.repeat}"
        f" (runs {', '.join(f'{w:.3f}' for w in walls)}; cpu median {result['median_cpu_s']:.3f} s),"
        f" {len(tiers)} tiers -> {path}"
    )


if __name__ == "__main__":
    main()

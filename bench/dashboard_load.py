"""Dashboard page load with 100 signatures x 100 days: DOMContentLoaded -> portfolio chart rendered.

Serves the dashboard from the stand-in API (tests/e2e/dashboard/standin.py: synthetic, self-consistent data in
api.md shapes, real metrics and price view) on loopback, opens it N times in headless system Chromium (fresh tab
each time), and reads the browser's own timings: `chart-rendered` is a performance mark the page sets right after
uPlot has drawn every series. Also reports the /results range payload the chart needs.

    python bench/dashboard_load.py [--signatures 100] [--days 100] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from _common import write_result  # noqa: E402

from ai_trader.settings import Settings  # noqa: E402
from tests.e2e.dashboard.harness import browser_context, chromium_path, serve  # noqa: E402
from tests.e2e.dashboard.standin import build_world, create_standin_app  # noqa: E402

TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const at = (n) => { const e = performance.getEntriesByName(n)[0]; return e ? e.startTime : null; };
  return {dcl: nav.domContentLoadedEventStart, chart: at('chart-rendered'), perf: at('performance-loaded'),
          series: at('series-loaded'), bench: at('benchmark-loaded')};
}"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signatures", type=int, default=100)
    ap.add_argument("--days", type=int, default=100)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    if chromium_path() is None:
        print("chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    world = build_world(args.signatures, args.days)
    settings = Settings(_env_file=None, data_dir=tmp / "data", configs_dir=tmp)
    app = create_standin_app(settings, world)
    samples, to_dcl, phases = [], [], []
    with serve(app) as url, browser_context(tmp / "profile") as ctx:
        perf = httpx.get(f"{url}/performance")
        rng = httpx.get(f"{url}/results", params={"start_date": world.dates[1], "end_date": world.dates[-1]})
        for i in range(args.runs + 1):  # the first run warms the server and the page's asset cache
            page = ctx.new_page()
            page.goto(f"{url}/")
            page.wait_for_selector("#portfolio-chart[data-rendered=true]", timeout=60_000)
            t = page.evaluate(TIMINGS)
            series = page.get_attribute("#portfolio-chart", "data-series-count")
            page.close()
            if i:
                samples.append(t["chart"] - t["dcl"])
                phases.append(
                    {
                        "performance": t["perf"] - t["dcl"],
                        "results_range": t["series"] - t["perf"],
                        "draw": t["chart"] - max(t["bench"], t["series"]),
                    }
                )
                to_dcl.append(t["dcl"])
            time.sleep(0.2)
    result = {
        "signatures": args.signatures,
        "days": args.days,
        "runs": args.runs,
        "series_drawn": int(series),
        "dcl_to_chart_ms": {
            "median": round(statistics.median(samples), 1),
            "min": round(min(samples), 1),
            "max": round(max(samples), 1),
        },
        "phases_ms_median": {k: round(statistics.median(p[k] for p in phases), 1) for k in phases[0]},
        "navigation_to_dcl_ms_median": round(statistics.median(to_dcl), 1),
        "performance_bytes": len(perf.content),
        "results_range_bytes": len(rng.content),
    }
    print(json.dumps(result, indent=2))
    print(f"→ {write_result('dashboard_load', result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""API latency on loopback with 10,000 model-days stored, against a constant FastAPI endpoint (the floor) measured
in the same run.

Data: job A = 10 baseline signatures x 100 days, job B = 90 more x the same 100 days (10,000 model-days), filled
through the real trigger + executor by date (export files skipped: fast path). The database is cached in
bench/out/api-db/ (`--rebuild` to refill). Servers: `ai-trader serve --no-mcp` (uvicorn + the idle in-process
worker, LOG_LEVEL as given: INFO = the deployed default, one access-log line per request, to a file) and
bench/floor_app.py, each in its own subprocess. Load: wrk (`-t1 -c1` one client, `-t2 -c50` fifty clients,
--latency), endpoints interleaved with floor runs.

    python bench/api_latency.py [--one-s 3] [--many-s 6] [--log-level INFO] [--rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _common import (
    OUT,
    ROOT,
    by_date,
    config_dict,
    free_port,
    fresh_root,
    job_counts,
    settings_for,
    trading_days,
    trigger,
    write_result,
)

from ai_trader.jobs.worker import Worker
from ai_trader.store import Store

CACHE = OUT / "api-db"
STRATEGIES = ("equal_weight", "momentum", "cash")


def build_db() -> dict:
    """Fill a database with jobs A and B; returns {"a": job_id, "b": job_id, "dates": [...]} (cached)."""
    meta = CACHE / "meta.txt"
    if meta.exists():
        a, b, first, last = meta.read_text().split()
        return {"a": a, "b": b, "first": first, "last": last, "built_s": None}
    t0 = time.perf_counter()
    root = fresh_root("apidb")
    settings = settings_for(root)
    store = Store(settings.db_path)
    dates = trading_days(store)
    models = [
        {"signature": f"{STRATEGIES[i % 3]}-{i:03d}", "provider": "baseline", "strategy": STRATEGIES[i % 3]}
        for i in range(100)
    ]
    jobs = []
    for part in (models[:10], models[10:]):
        job = trigger(
            settings,
            store,
            config_dict(models, dates[0], dates[100]),
            {"end_date": dates[100], "models": [m["signature"] for m in part]},
        )
        Worker(settings, store).claim()
        asyncio.run(by_date(store, settings, job["job_id"], exports=False))
        assert job_counts(store, job["job_id"]) == {"completed": 100 * len(part)}, job_counts(store, job["job_id"])
        jobs.append(job["job_id"])
    with store.read() as conn:
        n = conn.execute("SELECT COUNT(*) FROM model_days").fetchone()[0]
    store.close()
    assert n == 10_000, n
    if CACHE.exists():
        shutil.rmtree(CACHE)
    CACHE.mkdir(parents=True)
    import sqlite3

    conn = sqlite3.connect(settings.db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copy(settings.db_path, CACHE / "jobs.db")
    meta.write_text(f"{jobs[0]} {jobs[1]} {dates[1]} {dates[100]}\n")
    return {
        "a": jobs[0],
        "b": jobs[1],
        "first": dates[1],
        "last": dates[100],
        "built_s": round(time.perf_counter() - t0, 1),
    }


class Proc:
    def __init__(self, cmd: list[str], env: dict[str, str], url: str, probe: str, log: Path):
        self.url = url
        self._log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=log.parent)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"{cmd} exited with {self.proc.returncode}; see {log}")
            try:
                if httpx.get(url + probe, timeout=2, trust_env=False).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{cmd} did not answer; see {log}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(url: str, clients: int, seconds: float) -> dict:
    threads = 1 if clients == 1 else 2
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds:g}s", "--latency", "--timeout", "30s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        return round(float(m.group(1)) * UNITS[m.group(2)], 3)

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "rps": round(rps, 1),
        "requests": total,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else None,
    }


def settle(url: str, timeout: float = 60.0) -> None:
    """Wait until the server has worked off what the last run left queued (a cheap request answers fast again)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t0 = time.perf_counter()
        httpx.get(url, timeout=timeout, trust_env=False)
        if time.perf_counter() - t0 < 0.05:
            return
        time.sleep(0.5)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--one-s", type=float, default=3.0, help="seconds per one-client run")
    ap.add_argument("--many-s", type=float, default=6.0, help="seconds per 50-client run")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--log-level", default="INFO")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")
    if args.rebuild and CACHE.exists():
        shutil.rmtree(CACHE)
    db = build_db()
    root = Path(tempfile.mkdtemp(prefix="bench-api-"))
    (root / "data").mkdir()
    (root / "configs").mkdir()
    shutil.copy(CACHE / "jobs.db", root / "data" / "jobs.db")
    port, floor_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "API_"))}
    env.update(
        {
            "DATA_DIR": str(root / "data"),
            "CONFIGS_DIR": str(root / "configs"),
            "API_HOST": "127.0.0.1",
            "API_PORT": str(port),
            "MCP_ENABLED": "false",
            "LOG_LEVEL": args.log_level,
            "LOG_FORMAT": "json",
            "NEWS_PROVIDER": "none",
        }
    )
    # `ai-trader serve --no-mcp`, started through its entry function (a command line of its own, so that test
    # clean-ups elsewhere that stop "ai-trader serve" processes leave the benchmark's server alone)
    serve = "import sys; from ai_trader.cli import main; sys.argv = ['ai-trader', 'serve', '--no-mcp']; main()"
    api = Proc([sys.executable, "-c", serve], env, f"http://127.0.0.1:{port}", "/health", root / "api.log")
    floor = Proc(
        [sys.executable, str(ROOT / "bench" / "floor_app.py"), str(floor_port)],
        env,
        f"http://127.0.0.1:{floor_port}",
        "/const",
        root / "floor.log",
    )
    a10 = ",".join(f"{STRATEGIES[i % 3]}-{i:03d}" for i in range(10))
    endpoints = {
        "floor (constant)": f"{floor.url}/const",
        "health": f"{api.url}/health",
        "status (job of 1,000 model-days)": f"{api.url}/simulate/status/{db['a']}",
        "current": f"{api.url}/simulate/current",
        "results date, 100 models, minimal": f"{api.url}/results?date={db['last']}",
        "results date, 100 models, full": f"{api.url}/results?date={db['last']}&detail=full",
        "results range 100 days x 10 models": f"{api.url}/results?start_date={db['first']}&end_date={db['last']}"
        f"&job_id={db['a']}",
        "performance (100 models)": f"{api.url}/performance",
    }
    extra_one_client = {  # bigger variants, one client only
        "status (job of 9,000 model-days)": f"{api.url}/simulate/status/{db['b']}",
        "results range 100 days x 100 models": f"{api.url}/results?start_date={db['first']}&end_date={db['last']}",
        "performance, 10 models": f"{api.url}/performance?model={a10}",
    }
    rows = {}
    try:
        for name, url in {**endpoints, **extra_one_client}.items():
            r = httpx.get(url, timeout=30, trust_env=False)
            if r.status_code != 200:
                raise SystemExit(f"{name}: {url} answered {r.status_code}: {r.text[:300]}")
            rows[name] = {"url": url.split("//", 1)[1].split("/", 1)[1], "bytes": len(r.content)}
            for _ in range(20):  # warm-up (caches, first-call imports)
                httpx.get(url, timeout=30, trust_env=False)
        for name, url in {**endpoints, **extra_one_client}.items():
            rows[name]["one_client"] = wrk(url, 1, args.one_s)
            settle(f"{api.url}/openapi.json")
            print(
                f"1 client   {name:40} p50 {rows[name]['one_client']['p50_ms']:8.2f} ms  "
                f"p99 {rows[name]['one_client']['p99_ms']:8.2f} ms  {rows[name]['one_client']['rps']:8.1f} req/s"
            )
        floor_runs = []
        for name, url in endpoints.items():
            if name.startswith("floor"):
                continue
            f = wrk(endpoints["floor (constant)"], args.clients, args.many_s)  # the floor next to each endpoint
            floor_runs.append(f)
            r = rows[name]["many_clients"] = wrk(url, args.clients, args.many_s)
            settle(f"{api.url}/openapi.json")
            r["floor_rps_same_minute"], r["floor_p99_same_minute"] = f["rps"], f["p99_ms"]
            r["rps_vs_floor"] = round(r["rps"] / f["rps"], 3)
            r["p99_vs_floor"] = round(r["p99_ms"] / f["p99_ms"], 2)
            print(
                f"{args.clients} clients {name:40} p50 {r['p50_ms']:8.2f} ms  p99 {r['p99_ms']:8.2f} ms  "
                f"{r['rps']:8.1f} req/s  (floor next to it: {f['rps']:.0f} req/s, p99 {f['p99_ms']:.2f} ms) "
                f"→ {r['rps_vs_floor']:.0%} of floor throughput, p99 {r['p99_vs_floor']}x"
            )
        rows["floor (constant)"]["many_clients"] = {
            "runs": floor_runs,
            "rps_min": min(f["rps"] for f in floor_runs),
            "rps_max": max(f["rps"] for f in floor_runs),
        }
    finally:
        api.stop()
        floor.stop()
    path = write_result("api_latency", {"params": vars(args), "db": db, "endpoints": rows})
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

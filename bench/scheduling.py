"""Scheduling efficiency: M scripted models x D days, every LLM call delayed by latency_ms.

Efficiency = ideal / wall, where ideal = the slowest signature's total LLM time (its LLM calls, counted from
session_records.total_steps, x its latency). Per-model chains (the real worker: `Worker.drain()`) are compared with
a date-lockstep run of the same job (implemented here only: for each date, all signatures' model-days run at once
and the next date waits for all of them).

Scenarios: `equal` (every model latency_ms) and `unequal` (the first model 4x slower).

Where the LLM runs (`--llm`): `process` (default) serves the scripted model out of process with
`ai-trader scripted-llm` (one server per distinct latency, loopback HTTP), and the models are plain `openai`-provider
entries pointing at it, so this process's CPU is the worker's own (the SDK, the session loop, tools, SQLite, exports),
as with a real provider; `in-process` uses provider `scripted` (the same app over an ASGI transport in this process,
so its JSON work is counted too); `both` runs each.

    python bench/scheduling.py [--models 10] [--days 20] [--latency-ms 50] [--slow-factor 4] [--llm process]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from _common import (
    OUT,
    by_date,
    config_dict,
    drain,
    free_port,
    fresh_root,
    job_counts,
    pg_store_url,
    settings_for,
    trading_days,
    trigger,
    write_result,
)

from ai_trader.jobs.worker import Worker
from ai_trader.store import Store


class ScriptedServers:
    """`ai-trader scripted-llm` child processes, one per latency; `url(latency_ms)` starts one on first use."""

    def __init__(self) -> None:
        self.procs: dict[float, tuple[subprocess.Popen, str]] = {}

    def url(self, latency_ms: float) -> str:
        if latency_ms not in self.procs:
            port = free_port()
            exe = Path(sys.executable).with_name("ai-trader")
            proc = subprocess.Popen(
                [str(exe), "scripted-llm", "--port", str(port), "--latency-ms", str(latency_ms)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            url = f"http://127.0.0.1:{port}/v1"
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"ai-trader scripted-llm exited with {proc.returncode}: {proc.stderr.read()!r}")
                try:
                    urllib.request.urlopen(f"{url}/models", timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"ai-trader scripted-llm did not start on port {port}") from None
                    time.sleep(0.1)
            self.procs[latency_ms] = (proc, url)
        return self.procs[latency_ms][1]

    def cpu_s(self) -> float:
        """User + system CPU of the servers so far (from /proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for proc, _ in self.procs.values():
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / tick

    def close(self) -> None:
        for proc, _ in self.procs.values():
            proc.terminate()
        for proc, _ in self.procs.values():
            proc.wait(timeout=10)


def warm_up() -> None:
    """Imports and the process-wide TLS context, so the first measured run does not pay these one-off costs."""
    import openai  # noqa: F401

    from ai_trader.agents.factory import build_competitor  # noqa: F401
    from ai_trader.agents.http import shared_ssl_context
    from ai_trader.agents.scripted_server import create_app  # noqa: F401

    shared_ssl_context()


def models_for(
    n: int, latency_ms: float, slow_factor: float | None, servers: ScriptedServers | None
) -> list[dict[str, Any]]:
    """`servers` None: the in-process scripted provider; else openai-provider entries served by `servers`."""
    out = []
    for i in range(n):
        latency = latency_ms * (slow_factor if slow_factor and i == 0 else 1.0)
        m: dict[str, Any] = {
            "signature": f"scripted-{i:02d}",
            "basemodel": "scripted/momentum_lite",
            "latency_ms": latency,
        }
        if servers is None:
            m |= {"provider": "scripted", "script": "momentum_lite"}
        else:
            # no key in the entry: the job's stored config never holds one, and OPENAI_API_KEY=bench is set
            m |= {"provider": "openai", "openai_base_url": servers.url(latency)}
        out.append(m)
    return out


class WorkerProcesses:
    """`processes` × `ai-trader worker --concurrency N` children against the run's store, started (and registered)
    before the job is triggered, so their start-up is not in the wall time; `cpu_s()` sums their CPU from /proc."""

    def __init__(self, settings: Any, url: str | None, processes: int, concurrency: int | None) -> None:
        env = {
            **os.environ,
            "DATA_DIR": str(settings.data_dir),
            "CONFIGS_DIR": str(settings.configs_dir),
            "OPENAI_API_KEY": "bench",
            "NEWS_PROVIDER": "none",
            "LOG_LEVEL": "WARNING",
            "WORKER_ENABLED": "true",
        }
        if url:
            env["DATABASE_URL"] = url
        exe = Path(sys.executable).with_name("ai-trader")
        args = [str(exe), "worker"] + (["--concurrency", str(concurrency)] if concurrency else [])
        self.procs = [subprocess.Popen(args, env=env, stderr=subprocess.PIPE) for _ in range(processes)]

    def wait_registered(self, store: Store) -> None:
        from ai_trader.store import workers as worker_store

        deadline = time.monotonic() + 120
        pids = {p.pid for p in self.procs}
        while True:
            with store.read() as conn:
                seen = {w.pid for w in worker_store.running(conn, since="1970")}
            if pids <= seen:
                return
            for p in self.procs:
                if p.poll() is not None:
                    raise SystemExit(f"a worker exited with {p.returncode}: {p.stderr.read()!r}")  # type: ignore[union-attr]
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not register within 120 s")
            time.sleep(0.1)

    def cpu_s(self) -> float:
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for p in self.procs:
            fields = Path(f"/proc/{p.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / tick

    def close(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.wait(timeout=60)


def run(
    mode: str,
    models: list[dict[str, Any]],
    days: int,
    profile: bool = False,
    servers: ScriptedServers | None = None,
    *,
    engine: str = "sqlite",
    processes: int = 0,
    concurrency: int | None = None,
) -> dict[str, Any]:
    """One job run. processes 0: the worker in this process (`Worker.drain()`, or the lockstep); else that many
    `ai-trader worker` children (their CPU is the worker CPU; wall from the trigger to the job's end)."""
    root = fresh_root(f"sched-{mode}")
    url, drop = pg_store_url("sched") if engine == "postgresql" else (None, lambda: None)
    extra = {"database_url": url} if url else {}
    settings = settings_for(root, openai_api_key="bench", **extra)
    store = Store(settings.store_url)
    workers = WorkerProcesses(settings, url, processes, concurrency) if processes else None
    try:
        dates = trading_days(store)
        if workers:
            workers.wait_registered(store)
        startup_cpu = workers.cpu_s() if workers else 0.0
        # the job runs the D trading days after init_date (each has a previous close for the script to compare)
        config = config_dict(models, dates[0], dates[days])
        cpu0 = workers.cpu_s() if workers else 0.0
        server_cpu0 = servers.cpu_s() if servers else 0.0
        t0 = time.perf_counter()
        job = trigger(settings, store, config, {"end_date": dates[days]})
        cpu0 = cpu0 if workers else time.process_time()  # in this process: the worker's CPU after the trigger
        if workers:
            wall = wait_ended(store, job["job_id"], t0)
        elif mode == "chains" and profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            wall = prof.runcall(drain, settings, store)
            OUT.mkdir(parents=True, exist_ok=True)
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
        cpu = (workers.cpu_s() if workers else time.process_time()) - cpu0
        server_cpu = (servers.cpu_s() - server_cpu0) if servers else None
        with store.read() as conn:
            calls = {
                r[0]: r[1]
                for r in conn.execute(
                    "SELECT md.signature, SUM(sr.total_steps) FROM model_days md JOIN session_records sr "
                    "ON sr.model_day_id = md.id GROUP BY md.signature"
                )
            }
        counts = job_counts(store, job["job_id"])
        timing = day_timing(store, job["job_id"])
    finally:
        if workers:
            workers.close()
        store.close()
        drop()
    latency = {m["signature"]: m["latency_ms"] for m in models}
    llm_s = {s: calls.get(s, 0) * latency[s] / 1000 for s in latency}
    slowest = max(llm_s, key=llm_s.get)
    ideal = llm_s[slowest]
    return {
        "mode": mode,
        "engine": engine,
        "processes": processes,
        "concurrency": concurrency,
        "model_days": job["total_model_days"],
        "details": counts,
        "wall_s": round(wall, 3),
        "ideal_s": round(ideal, 3),
        "efficiency": round(ideal / wall, 4),
        "wall_over_ideal": round(wall / ideal, 4),
        "cpu_s": round(cpu, 3),
        "cpu_ms_per_model_day": round(1000 * cpu / max(1, job["total_model_days"]), 1),
        "worker_startup_cpu_s": round(startup_cpu, 3) if workers else None,
        "llm_server_cpu_s": None if server_cpu is None else round(server_cpu, 3),
        "timing": timing,
        "slowest": slowest,
        "llm_calls_slowest": calls.get(slowest, 0),
        "llm_calls_total": sum(calls.values()),
        "llm_calls_per_model_day": round(sum(calls.values()) / max(1, job["total_model_days"]), 2),
    }


def day_timing(store: Store, job_id: str) -> dict[str, float]:
    """Where the wall time went, from job_details: the mean model-day duration (claim to commit), the mean gap
    between a day's commit and the start of its chain's next day, and how long after the job's creation the
    chains' first days started (mean and max)."""
    from datetime import datetime

    def t(x: str) -> float:
        return datetime.fromisoformat(x.replace("Z", "+00:00")).timestamp()

    with store.read() as conn:
        created = conn.execute("SELECT created_at FROM jobs WHERE job_id = ?", (job_id,)).fetchone()[0]
        days = conn.execute(
            "SELECT model, date, started_at, completed_at FROM job_details WHERE job_id = ? AND status = 'completed'"
            " ORDER BY model, date",
            (job_id,),
        ).fetchall()
    durations, gaps, firsts = [], [], []
    for i, (model, _, start, end) in enumerate(days):
        durations.append(t(end) - t(start))
        if i and days[i - 1][0] == model:
            gaps.append(t(start) - t(days[i - 1][3]))
        else:
            firsts.append(t(start) - t(created))

    def mean(xs: list[float]) -> float:
        return round(sum(xs) / len(xs), 4) if xs else 0.0

    return {
        "day_s": mean(durations),
        "gap_s": mean(gaps),
        "first_start_s": mean(firsts),
        "first_start_max_s": round(max(firsts, default=0.0), 4),
    }


def wait_ended(store: Store, job_id: str, t0: float) -> float:
    """Poll the job (every 20 ms) until it is no longer pending or running; returns seconds since `t0`."""
    from ai_trader.store import jobs as rows

    while True:
        with store.read() as conn:
            status = rows.job_status(conn, job_id)
        if status not in ("pending", "running"):
            return time.perf_counter() - t0
        time.sleep(0.02)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=10)
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--slow-factor", type=float, default=4.0)
    ap.add_argument("--only", choices=["equal", "unequal"], help="run one scenario")
    ap.add_argument(
        "--llm",
        choices=["process", "in-process", "both"],
        default="process",
        help="scripted model served by `ai-trader scripted-llm` (default) or in this process",
    )
    ap.add_argument("--profile", action="store_true", help="cProfile the chains run (bench/out/scheduling.pstats)")
    ap.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite", help="the store's engine")
    ap.add_argument(
        "--processes", type=int, default=0, help="`ai-trader worker` child processes (0: the worker in this process)"
    )
    ap.add_argument("--concurrency", type=int, help="--concurrency of each worker process")
    args = ap.parse_args()
    results = []
    warm_up()
    with ExitStack() as stack:
        servers = ScriptedServers()
        stack.callback(servers.close)
        for llm in ("process", "in-process") if args.llm == "both" else (args.llm,):
            for scenario, slow in (("equal", None), ("unequal", args.slow_factor)):
                if args.only and scenario != args.only:
                    continue
                srv = servers if llm == "process" else None
                models = models_for(args.models, args.latency_ms, slow, srv)
                one = args.profile or args.processes
                for mode in ("chains",) if one else ("chains", "lockstep"):
                    r = run(
                        mode, models, args.days, args.profile, srv,
                        engine=args.store, processes=args.processes, concurrency=args.concurrency,
                    )  # fmt: skip
                    r = {"llm": llm, "scenario": scenario, **r}
                    results.append(r)
                    server = "" if r["llm_server_cpu_s"] is None else f" (+ LLM server {r['llm_server_cpu_s']:.2f} s)"
                    where = f"{args.store} {args.processes or 'in-process'}×{args.concurrency or '∞'}"
                    print(
                        f"{llm:10} {scenario:8} {mode:8} {where} {r['model_days']:4} model-days  "
                        f"wall {r['wall_s']:7.2f} s  "
                        f"ideal {r['ideal_s']:6.2f} s  efficiency {r['efficiency']:.3f}  "
                        f"worker cpu {r['cpu_s']:6.2f} s{server}  "
                        f"({r['llm_calls_per_model_day']} LLM calls/model-day, details {r['details']}) {r['timing']}"
                    )
    path = write_result("scheduling", {"params": vars(args), "runs": results})
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

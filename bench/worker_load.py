"""Issue 15 item 10: does the API stay fast while the worker works?

`ai-trader serve --no-mcp` in a subprocess (the worker as its child process, the default; and, for comparison,
`WORKER_IN_PROCESS=true`, the worker as a thread of the API process). First a warm-up job commits `--signatures`
scripted signatures x `--warm-days` days (reads then have data). Then, with `--pollers` concurrent pollers (each in
a loop over /simulate/status/{job}, /simulate/current, /results?date=..., /performance, each answer timed):

1. idle: no job running, `--seconds`;
2. busy: the same while a job runs (`--signatures` x the following days, scripted `momentum_lite` with
   `--latency-ms` per LLM call: the worker commits a model-day every few hundred ms);
3. burst: during the busy job, `--triggers` concurrent POST /simulate/trigger (the running job's own request:
   each answers 200 "already in progress" with the job's status), each timed, while the pollers go on.

Targets: busy read p99 <= 2 x idle read p99; trigger p99 < 1 s. The load generator (httpx, asyncio) runs in this
process on the same 2 cores (a minimal keep-alive client, bench/_http.py), the same in both modes.

    python bench/worker_load.py [--modes child in-process] [--pollers 50] [--triggers 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import config_dict, free_port, fresh_root, machine, pct, write_result
from _http import Conn

BIN = Path(sys.executable).parent / "ai-trader"


def _models(n: int, latency_ms: int) -> list[dict[str, Any]]:
    return [
        {
            "signature": f"s{i:02d}",
            "basemodel": "scripted/momentum_lite",
            "provider": "scripted",
            "script": "momentum_lite",
            "latency_ms": latency_ms,
        }
        for i in range(n)
    ]


class Serve:
    def __init__(self, root: Path, mode: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "API_"))}
        env.update(
            DATA_DIR=str(root / "data"),
            CONFIGS_DIR=str(root / "configs"),
            API_HOST="127.0.0.1",
            API_PORT=str(self.port),
            LOG_FORMAT="json",
            LOG_LEVEL="INFO",
            NEWS_PROVIDER="none",
            WORKER_IN_PROCESS="true" if mode == "in-process" else "false",
        )
        self.log = open(root / f"serve-{mode}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([str(BIN), "serve", "--no-mcp"], env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"serve exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if httpx.get(self.url + "/health", timeout=2, trust_env=False).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"serve did not answer; see {self.log.name}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _summary(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(pct(values, 0.5) * 1000, 1),
        "p99_ms": round(pct(values, 0.99) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


async def _poll(
    port: int, paths: list[str], until: float, out: list[float], errors: list[str], per: dict[str, list[float]]
) -> None:
    conn = Conn("127.0.0.1", port)
    i = 0
    try:
        while time.monotonic() < until:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                status, _ = await conn.request("GET", path)
            except (OSError, ConnectionError, asyncio.IncompleteReadError) as exc:
                errors.append(f"{path}: {type(exc).__name__}")
                await conn.close()
                continue
            out.append(time.perf_counter() - t0)
            per.setdefault(
                path.split("?")[0].rsplit("/", 1)[0] if "status/" in path else path.split("?")[0], []
            ).append(out[-1])
            if status != 200:
                errors.append(f"{path}: {status}")
    finally:
        await conn.close()


async def _trigger(port: int, body: dict, out: list[float], codes: list[int]) -> None:
    conn = Conn("127.0.0.1", port)
    await conn.request("GET", "/health")  # connected before the burst: the burst times the triggers only
    t0 = time.perf_counter()
    try:
        status, _ = await conn.request("POST", "/simulate/trigger", body)
    finally:
        out.append(time.perf_counter() - t0)
        await conn.close()
    codes.append(status)


async def _phase(
    port: int, paths: list[str], pollers: int, seconds: float, burst: dict | None = None, triggers: int = 0
) -> dict[str, Any]:
    reads: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + seconds
    per: dict[str, list[float]] = {}
    tasks = [asyncio.create_task(_poll(port, paths, until, reads, errors, per)) for _ in range(pollers)]
    out: dict[str, Any] = {}
    if burst is not None:
        await asyncio.sleep(seconds / 3)  # the pollers are at full speed
        lat: list[float] = []
        codes: list[int] = []
        t0 = time.perf_counter()
        await asyncio.gather(*(_trigger(port, burst, lat, codes) for _ in range(triggers)))
        out["trigger"] = {
            **_summary(lat),
            "wall_s": round(time.perf_counter() - t0, 2),
            "codes": {str(c): codes.count(c) for c in sorted(set(codes))},
        }
    await asyncio.gather(*tasks)
    out["read"] = {**_summary(reads), "errors": len(errors), "rps": round(len(reads) / seconds)}
    out["read_by_path"] = {k: _summary(v) for k, v in sorted(per.items())}
    if errors:
        out["read"]["error_kinds"] = sorted(set(errors))[:10]
    return out


def _wait(url: str, job_id: str, until: set[str], timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = httpx.get(f"{url}/simulate/status/{job_id}", timeout=30, trust_env=False).json()
        if body["status"] in until:
            return body
        time.sleep(0.3)
    raise SystemExit(f"job {job_id} still {body['status']}")


def run_mode(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    root = fresh_root(f"worker-load-{mode}")
    (root / "configs").mkdir(exist_ok=True)
    warm = config_dict(_models(args.signatures, 0), "2025-06-09", "2025-10-30")
    (root / "configs" / "warm.json").write_text(json.dumps(warm))
    busy = config_dict(_models(args.signatures, args.latency_ms), "2025-06-09", "2025-10-30")
    (root / "configs" / "busy.json").write_text(json.dumps(busy))
    server = Serve(root, mode)
    try:
        http = httpx.Client(base_url=server.url, timeout=60, trust_env=False)
        r = http.post("/simulate/trigger", json={"config_path": "warm.json", "end_date": args.warm_end})
        warm_job = r.json()["job_id"]
        _wait(server.url, warm_job, {"completed", "partial", "failed"})
        paths = [
            f"/simulate/status/{warm_job}",
            "/simulate/current",
            f"/results?date={args.warm_end}",
            "/performance",
        ]
        idle = asyncio.run(_phase(server.port, paths, args.pollers, args.seconds))
        request = {"config_path": "busy.json", "start_date": args.busy_start}
        r = http.post("/simulate/trigger", json=request)
        assert r.status_code == 202, r.text
        busy_job = r.json()["job_id"]
        _wait(server.url, busy_job, {"running"})
        time.sleep(1.0)  # model-days are running
        before = http.get(f"/simulate/status/{busy_job}").json()["progress"]["completed"]
        busy_phase = asyncio.run(_phase(server.port, paths, args.pollers, args.seconds))
        burst = asyncio.run(_phase(server.port, paths, args.pollers, args.seconds, request, args.triggers))
        status = http.get(f"/simulate/status/{busy_job}").json()
        committed = status["progress"]["completed"] - before
        still_running = status["status"] == "running"
        http.post(f"/simulate/cancel/{busy_job}")
        http.close()
    finally:
        server.stop()
    ratio = busy_phase["read"]["p99_ms"] / idle["read"]["p99_ms"] if idle["read"].get("p99_ms") else None
    return {
        "mode": mode,
        "idle": idle,
        "busy": busy_phase,
        "burst": burst,
        "model_days_committed_while_measuring": committed,
        "job_still_running_at_end": still_running,
        "busy_over_idle_read_p99": round(ratio, 2) if ratio else None,
        "target_read_within_2x": bool(ratio and ratio <= 2.0),
        "target_trigger_p99_under_1s": burst["trigger"]["p99_ms"] < 1000,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--modes", nargs="+", default=["child", "in-process"], choices=["child", "in-process"])
    p.add_argument("--pollers", type=int, default=50)
    p.add_argument("--triggers", type=int, default=200)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--signatures", type=int, default=5)
    p.add_argument("--latency-ms", type=int, default=100)
    p.add_argument("--warm-end", default="2025-07-31")
    p.add_argument("--busy-start", default="2025-08-01")
    args = p.parse_args()
    result: dict[str, Any] = {"machine": machine(), "args": vars(args), "modes": []}
    for mode in args.modes:
        r = run_mode(mode, args)
        result["modes"].append(r)
        print(
            f"{mode:>10}: read p99 idle {r['idle']['read']['p99_ms']} ms, busy {r['busy']['read']['p99_ms']} ms "
            f"(x{r['busy_over_idle_read_p99']}), during the burst {r['burst']['read']['p99_ms']} ms; "
            f"trigger p99 {r['burst']['trigger']['p99_ms']} ms {r['burst']['trigger']['codes']}; "
            f"{r['model_days_committed_while_measuring']} model-days committed meanwhile"
        )
    result["machine"]["loadavg_end"] = machine()["loadavg"]
    print(write_result("worker_load", result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

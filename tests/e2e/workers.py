"""Helpers of the many-worker end-to-end tests: worker processes, the stack (API without worker), the checks that a
job's model-days were committed exactly once and every ledger is continuous."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from ai_trader.market.prices import PriceView
from ai_trader.store import Store
from tests.integration.jobs.continuity import ledger_problems

from .server import BIN, Server, env_for, write_config


def models(n: int, latency_ms: int) -> list[dict]:
    return [
        {
            "signature": f"m{i}",
            "basemodel": "scripted/momentum_lite",
            "provider": "scripted",
            "script": "momentum_lite",
            "latency_ms": latency_ms,
        }
        for i in range(n)
    ]


class Workers:
    """`ai-trader worker` processes against the root's store, each logging to its own file."""

    def __init__(self, root: Path, env: dict[str, str]):
        self.root, self.env, self.procs = root, env, list[subprocess.Popen]()

    def start(self, **extra: str) -> subprocess.Popen:
        log = open(self.root / f"worker-{len(self.procs)}.log", "ab")  # noqa: SIM115  (the child holds it)
        proc = subprocess.Popen(
            [str(BIN), "worker"], env={**env_for(self.root), **self.env, **extra}, cwd=self.root, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        self.procs.append(proc)
        return proc

    def log(self, proc: subprocess.Popen) -> str:
        return (self.root / f"worker-{self.procs.index(proc)}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def store_of(root: Path, database_url: str | None) -> Store:
    return Store(database_url or f"sqlite:///{root / 'data' / 'jobs.db'}")


def until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return found


def live(server: Server) -> dict[int, list[dict]]:
    """pid → the leases of each live worker (GET /simulate/workers)."""
    body = server.http.get("/simulate/workers").json()
    return {w["pid"]: w["leases"] for w in body["workers"]}


def leases_after(server: Server, job_id: str, proc: subprocess.Popen, completed: int) -> list[dict]:
    """The leases `proc` holds once at least `completed` model-days of the job are done (waits up to 120 s)."""
    return until(
        lambda: (
            server.http.get(f"/simulate/status/{job_id}").json()["progress"]["completed"] >= completed
            and live(server).get(proc.pid)
        ),
        120,
        f"worker {proc.pid} to hold a lease after {completed} model-days completed",
    )


def assert_once_and_continuous(store: Store, job_id: str, signatures: list[str]) -> dict[int, tuple[int, str]]:
    """Every model-day of the job committed exactly once, every ledger continuous; returns detail id → (attempts,
    worker that completed it)."""
    with store.read() as conn:
        twice = conn.execute(
            "SELECT signature, date FROM model_days GROUP BY signature, date HAVING COUNT(*) > 1"
        ).fetchall()
        completions = conn.execute(
            "SELECT detail_id, COUNT(*) FROM job_events WHERE job_id = ? AND to_status = 'completed'"
            " AND detail_id IS NOT NULL GROUP BY detail_id",
            (job_id,),
        ).fetchall()
        details = conn.execute(
            "SELECT id, status, attempts, worker_id FROM job_details WHERE job_id = ?", (job_id,)
        ).fetchall()
        committed = conn.execute("SELECT COUNT(*) FROM model_days").fetchone()[0]
    assert twice == [], f"model-days committed twice: {twice}"
    assert {r[1] for r in completions} == {1} and len(completions) == len(details)
    assert {r[1] for r in details} == {"completed"} and committed == len(details)
    prices = PriceView.load(store)
    problems = [p for sig in signatures for p in ledger_problems(store, prices, sig)]
    assert problems == [], problems
    return {r[0]: (r[2], r[3]) for r in details}


def stack(root: Path, database_url: str | None, n_models: int, latency_ms: int, end: str):
    write_config(root, "arena.json", models(n_models, latency_ms), "2025-06-30")
    server = Server(root, env={"WORKER_ENABLED": "false"})
    return server, {"config_path": "arena.json", "end_date": end}

"""`ai-trader worker`: workers alone against the store (the API may run with WORKER_ENABLED=false, on another host).

Each worker process claims model-days (`jobs/leases.py`): `--concurrency N` of them at once (WORKER_CONCURRENCY),
and `--processes P` starts P worker processes (children of this one: SIGTERM/SIGINT reach every one, each lets its
running model-days finish within SHUTDOWN_GRACE_SECONDS; the exit status is the worst child's). Several `worker`
commands, on one host or many, may share one store (PostgreSQL; or a SQLite file on one host).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import typer

from ..jobs.worker import Worker
from ..store import Store
from .common import load_settings
from .envvars import epilog

_DATA_DIR = typer.Option(None, "--data-dir", help="Directory of the database (env DATA_DIR, default ./data).")


def register(app: typer.Typer) -> None:
    app.command("worker", epilog=epilog("worker"))(worker_cmd)


def worker_cmd(
    drain: bool = typer.Option(False, "--drain", help="Process everything queued, then exit."),
    concurrency: int | None = typer.Option(
        None, "--concurrency", min=1, help="Model-days this process runs at once (env WORKER_CONCURRENCY)."
    ),
    processes: int = typer.Option(1, "--processes", min=1, help="Worker processes to start (each --concurrency)."),
    data_dir: Path | None = _DATA_DIR,
) -> None:
    """Run worker processes against the store (env DATABASE_URL or DATA_DIR)."""
    if processes > 1:
        raise typer.Exit(_run_processes(processes, drain, concurrency, data_dir))
    settings = load_settings(data_dir=data_dir)
    store = Store(settings.store_url)
    worker = Worker(settings, store, concurrency=concurrency)
    try:
        if drain:
            worker.drain()
            return
        done = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: done.set())
        worker.start()
        while not done.wait(1.0):
            if not worker.is_running():
                break
        worker.stop(settings.shutdown_grace_seconds)
    finally:
        store.close()


def _run_processes(n: int, drain: bool, concurrency: int | None, data_dir: Path | None) -> int:
    args = [sys.executable, "-m", "ai_trader", "worker"] + (["--drain"] if drain else [])
    args += ["--concurrency", str(concurrency)] if concurrency else []
    args += ["--data-dir", str(data_dir)] if data_dir else []
    children = [subprocess.Popen(args) for _ in range(n)]

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, forward)
    return max(child.wait() for child in children)

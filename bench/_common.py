"""Shared plumbing for the benchmarks: machine facts, temporary data directories with the NASDAQ-100 file imported
once (the database file is then copied per run), running a job through the real service + worker, JSON output."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import os
import platform
import shutil
import socket
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from ai_trader.settings import Settings
from ai_trader.store import Store

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def machine() -> dict[str, Any]:
    """nproc, CPU model, memory, load average, Python — recorded with every result."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": round(mem_kb / 2**20, 1),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def settings_for(root: Path, **overrides: Any) -> Settings:
    (root / "configs").mkdir(parents=True, exist_ok=True)
    return Settings(
        _env_file=None,
        data_dir=root / "data",
        configs_dir=root / "configs",
        log_format="console",
        log_level="WARNING",
        news_provider="none",
        **overrides,
    )


_TEMPLATE: Path | None = None


def template_db() -> Path:
    """A database with the packaged NASDAQ-100 data set imported (built once per process)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        from ai_trader.market.packaged import import_packaged

        root = Path(tempfile.mkdtemp(prefix="bench-template-"))
        store = Store(root / "jobs.db")
        import_packaged(store)
        store.close()
        _checkpoint(root / "jobs.db")
        _TEMPLATE = root / "jobs.db"
    return _TEMPLATE


def _checkpoint(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def fresh_root(prefix: str) -> Path:
    """A temporary DATA_DIR/CONFIGS_DIR root whose database already holds the NASDAQ-100 prices."""
    root = Path(tempfile.mkdtemp(prefix=f"bench-{prefix}-"))
    (root / "data").mkdir()
    shutil.copy(template_db(), root / "data" / "jobs.db")
    return root


PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_store_url(prefix: str) -> tuple[str, Any]:
    """A fresh PostgreSQL schema holding the template's rows (`copy_store`, as `ai-trader db copy` does); returns
    its DATABASE_URL and a callable that drops it."""
    import uuid

    import psycopg

    from ai_trader.store.copy import copy_store

    name = f"bench_{prefix.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in PG_SERVER else "?"
    url = f"{PG_SERVER}{sep}options=-csearch_path%3D{name}"
    src, dst = Store(template_db()), Store(url)
    try:
        copy_store(src, dst)
    finally:
        src.close()
        dst.close()

    def drop() -> None:
        with psycopg.connect(PG_SERVER, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")

    return url, drop


def trading_days(store: Store) -> list[str]:
    from ai_trader.market.prices import PriceView

    return list(PriceView.load(store).trading_days())


def config_dict(models: list[dict[str, Any]], init_date: str, end_date: str, **agent: Any) -> dict[str, Any]:
    return {
        "agent_type": "BaseAgent",
        "date_range": {"init_date": init_date, "end_date": end_date},
        "models": models,
        "agent_config": {"max_steps": 30, "max_retries": 0, "base_delay": 0.0, "initial_cash": 10_000.0, **agent},
    }


def trigger(settings: Settings, store: Store, config: dict[str, Any], request: dict[str, Any] | None = None) -> dict:
    """Plan a job through the service (the API's and CLI's code path); returns the 202 body."""
    from ai_trader.config import parse_config
    from ai_trader.service.jobs import JobService
    from ai_trader.service.schemas import Queued

    out = JobService(settings, store).trigger_config(parse_config(config), "bench", request or {}, caller="bench")
    if not isinstance(out, Queued):
        raise SystemExit(f"trigger did not queue a job ({type(out).__name__}): {out.wire()}")
    return out.wire()


def drain(settings: Settings, store: Store) -> float:
    """Run everything queued with the real worker; returns wall seconds."""
    from ai_trader.jobs.worker import Worker

    t0 = time.perf_counter()
    Worker(settings, store).drain()
    return time.perf_counter() - t0


async def by_date(store: Store, settings: Settings, job_id: str, *, exports: bool = True) -> None:
    """Date-lockstep execution of a claimed job (for comparison with the worker's per-model chains, and as the
    fast way to fill a database): for each date, every signature's model-day runs concurrently through the real
    executor; the next date starts when all are done. `exports=False` skips the AI-Trader export files."""
    from ai_trader.agents.factory import build_competitor
    from ai_trader.config import parse_config
    from ai_trader.jobs import states
    from ai_trader.jobs.executor import execute_model_day
    from ai_trader.market.prices import PriceView
    from ai_trader.store import jobs as rows
    from ai_trader.tools.context import ToolEnv

    with store.read() as conn:
        job = rows.job(conn, job_id)
        pending = rows.details(conn, job_id, ("pending",))
    config = parse_config(job.config)
    env = ToolEnv(store, PriceView.load(store), None, settings.trade_fee)
    competitors = {m.signature: build_competitor(m, config.agent_config, settings, store) for m in config.models}
    dates: dict[str, list[rows.DetailRow]] = {}
    for d in pending:
        dates.setdefault(d.date, []).append(d)

    async def one(d: rows.DetailRow) -> None:
        with store.write() as conn:
            states.transition_detail(conn, d.id, states.DetailStatus.RUNNING)
        await execute_model_day(
            env,
            job_id=job_id,
            signature=d.model,
            date=d.date,
            competitor=competitors[d.model],
            initial_cash=config.agent_config.initial_cash,
            timeout_s=settings.model_day_timeout_seconds,
            agent_data_dir=settings.agent_data_dir if exports else None,
            on_commit=lambda conn, i=d.id: states.transition_detail(conn, i, states.DetailStatus.COMPLETED),
        )

    for date in sorted(dates):
        await asyncio.gather(*(one(d) for d in dates[date]))
    with store.write() as conn:
        states.settle_job(conn, job_id)


def job_counts(store: Store, job_id: str) -> dict[str, int]:
    with store.read() as conn:
        return {
            r[0]: r[1]
            for r in conn.execute(
                "SELECT status, COUNT(*) FROM job_details WHERE job_id = ? GROUP BY status", (job_id,)
            )
        }


def db_bytes(data_dir: Path) -> dict[str, int]:
    """Database size after a TRUNCATE checkpoint (main file; the WAL is then empty)."""
    path = data_dir / "jobs.db"
    _checkpoint(path)
    return {
        "db_bytes": path.stat().st_size,
        "wal_bytes": (data_dir / "jobs.db-wal").stat().st_size if (data_dir / "jobs.db-wal").exists() else 0,
    }


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_result(name: str, result: dict[str, Any]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = OUT / f"{name}-{stamp}.json"
    text = json.dumps({"benchmark": name, "machine": machine(), **result}, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
    (OUT / f"{name}-latest.json").write_text(text + "\n", encoding="utf-8")
    return path


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    s = sorted(values)
    if not s:
        return float("nan")
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]

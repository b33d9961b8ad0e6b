# requirements:
# psycopg[binary]>=3.3,<4
# wmill>=1.850,<2
"""Store a finished AI-Trader job's daily results in PostgreSQL.

Input `job` is the result of poll_simulation_status (status completed/partial, with `results`
from GET /results for the job's range). One row per (date, model): cash, portfolio value,
daily profit and return, positions (JSON), the job id and stored_at. Upsert on (date, model);
a row from a job that completed earlier never replaces one from a job that completed later
("newest job wins"). Everything is validated first and written in one transaction.
Returns {"rows_written": n, ...}.
"""

from datetime import date, datetime

import psycopg
import wmill
from psycopg import sql
from psycopg.types.json import Jsonb

DDL = """CREATE TABLE IF NOT EXISTS {table} (
    trade_date date NOT NULL,
    model text NOT NULL,
    job_id text NOT NULL,
    job_completed_at timestamptz,
    cash double precision,
    portfolio_value double precision NOT NULL,
    daily_profit double precision,
    daily_return_pct double precision,
    positions jsonb NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (trade_date, model))"""

UPSERT = """INSERT INTO {table} AS t (trade_date, model, job_id, job_completed_at, cash,
        portfolio_value, daily_profit, daily_return_pct, positions, stored_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, now())
    ON CONFLICT (trade_date, model) DO UPDATE SET job_id = EXCLUDED.job_id,
        job_completed_at = EXCLUDED.job_completed_at, cash = EXCLUDED.cash,
        portfolio_value = EXCLUDED.portfolio_value, daily_profit = EXCLUDED.daily_profit,
        daily_return_pct = EXCLUDED.daily_return_pct, positions = EXCLUDED.positions,
        stored_at = now()
    WHERE t.job_completed_at IS NULL OR EXCLUDED.job_completed_at IS NULL
        OR EXCLUDED.job_completed_at >= t.job_completed_at"""


def main(job: dict, db_resource: str = "f/ai_trader/db", table: str = "ai_trader_daily_results"):
    status = job.get("status")
    if status not in ("completed", "partial"):
        raise ValueError(f"job {job.get('job_id')} is {status!r}; only completed or partial jobs are stored")
    rows = _rows(job)
    with _connect(wmill.get_resource(db_resource)) as conn, conn.transaction():
        name = sql.Identifier(*table.split(".", 1))
        conn.execute(sql.SQL(DDL).format(table=name))
        written = 0
        with conn.cursor() as cur:
            for row in rows:
                cur.execute(sql.SQL(UPSERT).format(table=name), row)
                written += cur.rowcount
    return {"job_id": job.get("job_id"), "table": table, "rows_received": len(rows), "rows_written": written}


def _rows(job: dict) -> list[tuple]:
    job_id = job.get("job_id")
    if not job_id:
        raise ValueError("job has no job_id")
    completed_at = _timestamp(job.get("completed_at"))
    results = (job.get("results") or {}).get("results")
    if not isinstance(results, list):
        raise ValueError(f"job {job_id} has no results to store (expected results.results to be a list)")
    rows = []
    for entry in results:
        model = entry.get("model")
        if not model:
            raise ValueError(f"result entry without model in job {job_id}")
        for day in entry.get("days") or []:
            positions = dict(day.get("positions") or {})
            pnl = day.get("daily_pnl") or {}
            if pnl.get("portfolio_value") is None:
                raise ValueError(f"{model} {day.get('date')}: daily_pnl.portfolio_value missing")
            rows.append(
                (
                    date.fromisoformat(day["date"]),
                    model,
                    job_id,
                    completed_at,
                    positions.get("CASH"),
                    float(pnl["portfolio_value"]),
                    _float(pnl.get("profit")),
                    _float(pnl.get("return_pct")),
                    Jsonb(positions),
                )
            )
    return rows


def _float(value):
    return None if value is None else float(value)


def _timestamp(value):
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _connect(db: dict) -> psycopg.Connection:
    params = {k: db[k] for k in ("host", "port", "user", "password", "dbname") if db.get(k) not in (None, "")}
    if db.get("sslmode"):
        params["sslmode"] = db["sslmode"]
    return psycopg.connect(**params, connect_timeout=10)

# requirements:
# psycopg[binary]>=3.3,<4
# wmill>=1.850,<2
"""Latest performance per model from the table store_simulation_results writes.

One row per model: latest date, portfolio value, cash, daily profit and return, and the total
return since the start of the first stored day, where the starting value is
first day's portfolio_value - first day's daily_profit:
    total_return_pct = (latest_value / starting_value - 1) * 100
Sorted by total return, best first. The dashboard's performance table.
"""

import psycopg
import wmill
from psycopg import sql

QUERY = """WITH ranked AS (
    SELECT *, row_number() OVER (PARTITION BY model ORDER BY trade_date DESC) AS newest,
              row_number() OVER (PARTITION BY model ORDER BY trade_date) AS oldest,
              count(*) OVER (PARTITION BY model) AS days
    FROM {table})
SELECT l.model, l.trade_date, l.portfolio_value, l.cash, l.daily_profit, l.daily_return_pct,
       f.portfolio_value - coalesce(f.daily_profit, 0) AS starting_value, l.days, l.job_id
FROM ranked l JOIN ranked f ON f.model = l.model AND f.oldest = 1
WHERE l.newest = 1"""


def main(db_resource: str = "f/ai_trader/db", table: str = "ai_trader_daily_results"):
    with _connect(wmill.get_resource(db_resource)) as conn:
        name = sql.Identifier(*table.split(".", 1))
        if not _exists(conn, table):
            return []
        rows = conn.execute(sql.SQL(QUERY).format(table=name)).fetchall()
    out = []
    for model, day, value, cash, profit, ret, start, days, job_id in rows:
        total = round((value / start - 1) * 100, 4) if start else None
        out.append(
            {
                "model": model,
                "date": day.isoformat(),
                "portfolio_value": round(value, 2),
                "cash": None if cash is None else round(cash, 2),
                "daily_profit": None if profit is None else round(profit, 2),
                "daily_return_pct": None if ret is None else round(ret, 4),
                "total_return_pct": total,
                "days": days,
                "job_id": job_id,
            }
        )
    out.sort(key=lambda r: (r["total_return_pct"] is None, -(r["total_return_pct"] or 0), r["model"]))
    return out


def _exists(conn, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]


def _connect(db: dict) -> psycopg.Connection:
    params = {k: db[k] for k in ("host", "port", "user", "password", "dbname") if db.get(k) not in (None, "")}
    if db.get("sslmode"):
        params["sslmode"] = db["sslmode"]
    return psycopg.connect(**params, connect_timeout=10)

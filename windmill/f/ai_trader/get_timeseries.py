# requirements:
# psycopg[binary]>=3.3,<4
# wmill>=1.850,<2
"""Portfolio value over time per model (and QQQ when a "QQQ" model row is stored).

Returns one line trace per model, in Plotly's trace shape so the dashboard chart can use it
as is: [{"type": "scatter", "mode": "lines", "name": model, "x": [dates], "y": [values]}].
Optional filters: models (empty = all) and an inclusive date range (empty = unbounded).
"""

from datetime import date

import psycopg
import wmill
from psycopg import sql


def main(
    db_resource: str = "f/ai_trader/db",
    table: str = "ai_trader_daily_results",
    models: list[str] = [],  # noqa: B006  Windmill builds the form from this default; never mutated
    start_date: str = "",
    end_date: str = "",
):
    start = date.fromisoformat(start_date) if start_date else None
    end = date.fromisoformat(end_date) if end_date else None
    if start and end and start > end:
        raise ValueError(f"start_date {start_date} is after end_date {end_date}")
    with _connect(wmill.get_resource(db_resource)) as conn:
        if not conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]:
            return []
        query = sql.SQL(
            "SELECT model, trade_date, portfolio_value FROM {table}"
            " WHERE (%(models)s::text[] = '{{}}' OR model = ANY(%(models)s))"
            " AND (%(start)s::date IS NULL OR trade_date >= %(start)s)"
            " AND (%(end)s::date IS NULL OR trade_date <= %(end)s)"
            " ORDER BY model, trade_date"
        ).format(table=sql.Identifier(*table.split(".", 1)))
        rows = conn.execute(query, {"models": list(models), "start": start, "end": end}).fetchall()
    traces: dict[str, dict] = {}
    for model, day, value in rows:
        trace = traces.setdefault(model, {"type": "scatter", "mode": "lines", "name": model, "x": [], "y": []})
        trace["x"].append(day.isoformat())
        trace["y"].append(round(value, 2))
    return list(traces.values())


def _connect(db: dict) -> psycopg.Connection:
    params = {k: db[k] for k in ("host", "port", "user", "password", "dbname") if db.get(k) not in (None, "")}
    if db.get("sslmode"):
        params["sslmode"] = db["sslmode"]
    return psycopg.connect(**params, connect_timeout=10)

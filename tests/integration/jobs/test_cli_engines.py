"""The commands a user runs, on either engine of the store (DATABASE_URL unset: the SQLite file in DATA_DIR; set: a
PostgreSQL schema): data import and status, run, results, export, db migrate."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ai_trader.cli import app

pytestmark = pytest.mark.both_engines
runner = CliRunner()
SYMBOLS = ("AAPL", "MSFT", "NVDA", "QQQ")
MODELS = [
    {"signature": "momentum", "provider": "baseline", "strategy": "momentum"},
    {"signature": "equal-weight", "provider": "baseline", "strategy": "equal_weight"},
]


def test_import_run_results_and_export_on_either_engine(tmp_path, database_url, nasdaq_csv):
    lines = nasdaq_csv.read_text(encoding="utf-8").splitlines()
    bars = tmp_path / "bars.csv"  # four symbols of the packaged set, since 2025-09-15: a small, real file
    keep = [ln for ln in lines[1:] if ln[:10] >= "2025-09-15" and ln.split(",")[1] in SYMBOLS]
    bars.write_text("\n".join([lines[0], *keep]) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    env = {"LOG_LEVEL": "WARNING", "COLUMNS": "200", "DATA_DIR": str(data), "DATABASE_URL": database_url or ""}

    def cli(*args: str):
        done = runner.invoke(app, list(args), env=env)
        assert done.exit_code == 0, (args, done.output)
        return done.output

    assert "schema version" in cli("db", "migrate")
    imported = json.loads(cli("data", "import", str(bars), "--json"))
    assert imported["failed"] == 0 and len(keep) == 4 * 34
    assert "AAPL" in cli("data", "status")
    config = tmp_path / "cfg.json"
    config.write_text(
        json.dumps({"date_range": {"init_date": "2025-10-27"}, "models": MODELS, "agent_config": {}}), encoding="utf-8"
    )
    assert "Job completed: 6 completed, 0 failed" in cli("run", str(config), "--start", "2025-10-28")
    results = json.loads(cli("results", "--start", "2025-10-28", "--end", "2025-10-30", "--json"))["results"]
    assert sorted(r["model"] for r in results) == ["equal-weight", "momentum"]
    assert all([d["date"] for d in r["days"]] == ["2025-10-28", "2025-10-29", "2025-10-30"] for r in results)
    for position in data.glob("agent_data/*/position/position.jsonl"):
        position.unlink()
    cli("export")
    lines = (data / "agent_data/equal-weight/position/position.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["date"] == "2025-10-30"
    assert (data / "jobs.db").exists() == (database_url is None)  # PostgreSQL: nothing written to a SQLite file

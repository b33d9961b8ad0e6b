"""`ai-trader db copy`: a real SQLite database with a completed job, copied into PostgreSQL (and back), answers the
same /results, job status and leaderboard; a destination that already holds data is refused."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ai_trader.api.app import create_app
from ai_trader.cli import app as cli_app
from ai_trader.jobs.worker import Worker
from ai_trader.store import Store
from tests.support.engines import pg_schema
from tests.support.jobs import trigger

runner = CliRunner()
ENV = {"LOG_LEVEL": "WARNING", "COLUMNS": "200"}


def _answers(settings, url: str, job_id: str) -> list:
    store = Store(url)
    try:
        app = create_app(settings.model_copy(update={"mcp_enabled": False}), store=store, start_worker=False)
        with TestClient(app) as client:
            paths = [
                "/results?start_date=2025-10-28&end_date=2025-10-30&detail=full",
                "/results?date=2025-10-29&detail=minimal",
                f"/simulate/status/{job_id}",
                "/performance",
            ]
            out = []
            for path in paths:
                resp = client.get(path)
                assert resp.status_code == 200, (path, resp.text)
                out.append(resp.json())
            return out
    finally:
        store.close()


def test_a_completed_job_copied_into_postgresql_and_back_reads_the_same(service, store, settings, tmp_path):
    _, body = trigger(service, {"start_date": "2025-10-28"})
    Worker(service.settings, store).drain()
    assert service.status(body["job_id"])["status"] == "completed"
    source = f"sqlite:///{settings.db_path}"
    expected = _answers(settings, source, body["job_id"])
    assert len(expected[0]["results"]) == 3 and all(len(r["days"]) == 3 for r in expected[0]["results"])

    with pg_schema() as url:
        done = runner.invoke(cli_app, ["db", "copy", "--from", source, "--to", url], env=ENV)
        assert done.exit_code == 0, done.output
        assert "model_days: 9" in done.output and "job_details: 9" in done.output and "prices: 10811" in done.output
        assert _answers(settings, url, body["job_id"]) == expected

        again = runner.invoke(cli_app, ["db", "copy", "--from", source, "--to", url], env=ENV)
        assert again.exit_code == 1 and "already has rows" in again.output

        migrated = runner.invoke(cli_app, ["db", "migrate", "--url", url], env=ENV)
        assert migrated.exit_code == 0 and "schema version" in migrated.output

        # a copy keeps ids and moves the id generators past them: new rows get fresh ids
        copied = Store(url)
        try:
            with copied.write() as conn:
                new_id = conn.execute(
                    "INSERT INTO job_events(job_id, to_status, at) VALUES (?, 'completed', '2025-11-03') RETURNING id",
                    (body["job_id"],),
                ).fetchall()[0][0]
            assert new_id > max(r[0] for r in store.conn().execute("SELECT id FROM job_events"))
        finally:
            copied.close()

        back = tmp_path / "back.db"
        round_trip = runner.invoke(cli_app, ["db", "copy", "--from", url, "--to", f"sqlite:///{back}"], env=ENV)
        assert round_trip.exit_code == 0, round_trip.output
    assert _answers(settings, f"sqlite:///{back}", body["job_id"]) == expected


def test_db_copy_refuses_a_missing_source_and_names_an_unreachable_target_without_its_password(tmp_path):
    missing = tmp_path / "none.db"
    done = runner.invoke(
        cli_app, ["db", "copy", "--from", f"sqlite:///{missing}", "--to", f"sqlite:///{tmp_path}/b.db"]
    )
    assert done.exit_code == 1 and "no SQLite store at" in done.output and not missing.exists()
    source = tmp_path / "a.db"
    Store(source).close()
    target = "postgresql://trader:hunter2-secret@127.0.0.1:9/none"
    done = runner.invoke(cli_app, ["db", "copy", "--from", f"sqlite:///{source}", "--to", target], env=ENV)
    assert done.exit_code == 1 and "cannot open the store postgresql://trader:***@127.0.0.1:9/none" in done.output
    assert "hunter2" not in done.output

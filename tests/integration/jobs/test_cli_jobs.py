"""`ai-trader status|jobs|cancel`: the API's job answers from the command line, plus the audit trail."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ai_trader.cli import app
from ai_trader.service.jobs import JobService
from ai_trader.store import Store

from .conftest import TODAY, write_config

runner = CliRunner()
ENV = {"LOG_LEVEL": "WARNING", "COLUMNS": "200"}


def test_status_shows_progress_failures_and_the_audit_trail_of_a_run(settings):
    config = write_config(
        settings,
        models=[
            {"signature": "cash", "provider": "baseline", "strategy": "cash"},
            {
                "signature": "dead-llm",
                "basemodel": "x/y",
                "openai_base_url": "http://127.0.0.1:9/v1",
                "openai_api_key": "sk-test",
            },
        ],
        max_retries=0,
        base_delay=0,
    )
    run = runner.invoke(
        app, ["run", str(config), "--start", "2025-10-29", "--data-dir", str(settings.data_dir)], env=ENV
    )
    assert run.exit_code == 1, run.output

    as_json = runner.invoke(app, ["status", "--events", "--json", "--data-dir", str(settings.data_dir)], env=ENV)
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.output)
    store = Store(settings.store_url)
    try:
        api = JobService(settings, store, today=lambda: TODAY).current()
    finally:
        store.close()
    assert {k: v for k, v in body.items() if k != "events"} == api  # the same answer as GET /simulate/current
    assert body["status"] == "partial"
    transitions = [(e["model"], e["date"], e["from_status"], e["to_status"]) for e in body["events"]]
    assert transitions[0] == (None, None, None, "pending")  # created
    assert ("dead-llm", "2025-10-29", "running", "failed") in transitions
    assert ("dead-llm", "2025-10-30", "pending", "skipped") in transitions
    assert ("cash", "2025-10-30", "running", "completed") in transitions
    assert transitions[-1][:2] == (None, None) and transitions[-1][3] == "partial"

    table = runner.invoke(app, ["status", body["job_id"], "--events", "--data-dir", str(settings.data_dir)], env=ENV)
    assert table.exit_code == 0, table.output
    assert "partial" in table.output and "blocked by failure on 2025-10-29" in table.output
    assert "running → failed" in table.output
    # the failed day kept its (empty: the endpoint never answered) conversation, named in the table and the events
    failed = next(e for e in body["events"] if e["to_status"] == "failed" and e["date"] == "2025-10-29")
    assert failed["failed_session"]["file"] == "dead-llm/log/2025-10-29/failed-1.jsonl"
    assert "conversation kept: dead-llm/log/2025-10-29/failed-1.jsonl" in table.output

    listed = runner.invoke(app, ["jobs", "--json", "--data-dir", str(settings.data_dir)], env=ENV)
    assert [j["job_id"] for j in json.loads(listed.output)["data"]] == [body["job_id"]]


def test_unknown_job_and_cancelling_an_ended_job_exit_1_with_the_error_code(settings):
    config = write_config(settings)
    runner.invoke(app, ["run", str(config), "--start", "2025-10-30", "--data-dir", str(settings.data_dir)], env=ENV)
    missing = runner.invoke(app, ["status", "nope", "--data-dir", str(settings.data_dir)], env=ENV)
    assert missing.exit_code == 1 and "not_found" in missing.output
    job_id = json.loads(runner.invoke(app, ["status", "--json", "--data-dir", str(settings.data_dir)], env=ENV).output)[
        "job_id"
    ]
    ended = runner.invoke(app, ["cancel", job_id, "--data-dir", str(settings.data_dir)], env=ENV)
    assert ended.exit_code == 1 and "illegal_transition" in ended.output

"""API keys stay out of the database: the job keeps its config with `***` for each key, and the worker reads the
key back from the job's config file when it runs (never from the database, never another endpoint's key)."""

from __future__ import annotations

import json

from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from ai_trader.store import Store, db
from tests.integration.agents.servers import ScriptedChat, reply
from tests.support.jobs import trigger

from .conftest import TODAY, write_config

KEY = "sk-file-only-Jx7Qw2Lp9"
ENV_KEY = "sk-env-default-Vb4Nm8Kt"


def _model(chat: ScriptedChat) -> dict:
    return {"signature": "llm", "basemodel": "m", "openai_base_url": chat.base_url, "openai_api_key": KEY}


def _stored(store) -> list[str]:
    with store.read() as conn:
        return [r[0] for r in conn.execute("SELECT config FROM jobs")]


def test_the_job_stores_no_key_and_the_worker_reads_it_from_the_config_file(settings, store):
    with ScriptedChat([reply("done <FINISH_SIGNAL>")]) as chat:
        write_config(settings, models=[_model(chat)], max_retries=0)
        service = JobService(settings, store, today=lambda: TODAY)
        code, body = trigger(service, {"start_date": "2025-10-29"})
        assert code == 202
        (stored,) = _stored(store)
        assert KEY not in stored and json.loads(stored)["models"][0]["openai_api_key"] == "***"
        Worker(settings, store).drain()
        assert service.status(body["job_id"])["status"] == "completed"
        assert {h["authorization"] for h in chat.headers} == {f"Bearer {KEY}"}


def test_a_key_gone_from_the_config_file_fails_the_model_days_clearly(settings, store):
    settings = settings.model_copy(update={"openai_api_key": ENV_KEY})
    with ScriptedChat([reply("done <FINISH_SIGNAL>")]) as chat:
        path = write_config(settings, models=[_model(chat)], max_retries=0)
        service = JobService(settings, store, today=lambda: TODAY)
        _, body = trigger(service, {"start_date": "2025-10-29"})
        write_config(settings, models=[{**_model(chat), "openai_api_key": None}], max_retries=0)  # key removed
        Worker(settings, store).drain()
        status = service.status(body["job_id"])
        first = status["progress"]["details"][0]
        assert status["status"] == "failed" and first["status"] == "failed"
        assert "no API key for model 'llm'" in first["error"] and "cannot be read back" in first["error"]
        assert path.name in first["error"]
        assert chat.requests == []  # OPENAI_API_KEY (another endpoint's default) was not sent instead


def test_a_deleted_config_file_fails_the_model_days_clearly(settings, store):
    with ScriptedChat([reply("done <FINISH_SIGNAL>")]) as chat:
        path = write_config(settings, models=[_model(chat)], max_retries=0)
        service = JobService(settings, store, today=lambda: TODAY)
        _, body = trigger(service, {"start_date": "2025-10-29"})
        path.unlink()
        Worker(settings, store).drain()
        first = service.status(body["job_id"])["progress"]["details"][0]
        assert first["status"] == "failed" and "config file not found" in first["error"]
        assert chat.requests == []


def test_keys_stored_by_earlier_versions_are_redacted_on_upgrade(settings, store):
    """Migration 0008 rewrites the configs of existing jobs: `***` for every key, everything else unchanged."""
    old_key = "sk-stored-before-0008-Tn5Rk"  # never registered for redaction: written as an old version did
    config = {
        "date_range": {"init_date": "2025-06-09"},
        "models": [
            {"signature": "a", "basemodel": "m", "openai_api_key": old_key, "enabled": True},
            {"signature": "b", "provider": "baseline", "strategy": "cash"},
            {"signature": "c", "basemodel": "m", "openai_api_key": "sk-second-old-key-Wq2"},
        ],
    }
    with store.write() as conn:
        conn.execute(
            "INSERT INTO jobs(job_id, config_path, status, date_range, models, created_at, updated_at, request,"
            " config, warnings) VALUES ('old', 'x.json', 'completed', '[]', '[]', 't', 't', '{}', ?, '[]')",
            (json.dumps(config),),
        )
        conn.execute("DELETE FROM schema_version WHERE version = 8")  # as if 0008 had not run yet
    store.close()
    reopened = Store(settings.db_path, migrate_on_open=False)
    try:
        with reopened.write() as conn:  # the upgrade: migration 0008 applied to the old rows
            (sql,) = [text for version, text in db._migrations() if version == 8]
            for statement in db._split(sql):
                conn.execute(statement)
        (stored,) = _stored(reopened)
    finally:
        reopened.close()
    assert old_key not in stored and "sk-second-old-key" not in stored
    data = json.loads(stored)
    assert [m.get("openai_api_key") for m in data["models"]] == ["***", None, "***"]
    assert [m["signature"] for m in data["models"]] == ["a", "b", "c"]
    assert data["date_range"] == config["date_range"] and data["models"][1] == config["models"][1]

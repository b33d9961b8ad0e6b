"""The OpenAPI document is generated from the service's return types (service/schemas.py): each answer a route
can give names the model the service returns for it."""

from __future__ import annotations

from ai_trader.service.schemas import AlreadyRunning, Queued, Schema, UpToDate


def _ref(content: dict) -> set[str]:
    schema = content["application/json"]["schema"]
    refs = [schema] if "$ref" in schema else schema.get("anyOf", [])
    return {r["$ref"].rsplit("/", 1)[-1] for r in refs}


def test_the_trigger_and_health_answers_are_the_service_models(client):
    paths = client.get("/openapi.json").json()["paths"]
    trigger = paths["/simulate/trigger"]["post"]["responses"]
    assert _ref(trigger["202"]["content"]) == {"Queued"}
    assert _ref(trigger["200"]["content"]) == {"AlreadyRunning", "UpToDate"}
    health = paths["/health"]["get"]["responses"]
    assert _ref(health["200"]["content"]) == _ref(health["503"]["content"]) == {"Health"}
    for path, name in [("/simulate/status/{job_id}", "JobBody"), ("/simulate/jobs", "JobList")]:
        assert _ref(paths[path]["get"]["responses"]["200"]["content"]) == {name}


def test_wire_keeps_only_the_keys_the_service_set_in_field_order():
    """The JSON of today's API: an UpToDate without warnings has no `warnings` key, one with them has it last."""
    plain = UpToDate(status="current", message="m", last_simulation_date=None, next_trading_day="2025-10-31")
    assert list(plain.wire()) == ["status", "message", "last_simulation_date", "next_trading_day"]
    warned = UpToDate(next_trading_day=None, message="m", status="current", warnings=["w"])
    assert list(warned.wire()) == ["status", "message", "next_trading_day", "warnings"]
    queued = Queued(
        job_id="j", status="accepted", date_range=[], models=[], created_at="t", message="m", total_model_days=0
    )
    assert "warnings" not in queued.wire()  # the service always sets it
    assert issubclass(AlreadyRunning, Schema)


def test_extension_keys_survive_in_nested_bodies():
    body = AlreadyRunning(
        job_id="j",
        status="running",
        date_range=["2025-10-01"],
        models=["a"],
        progress={
            "total_model_days": 1,
            "completed": 0,
            "failed": 1,
            "skipped": 0,
            "pending": 0,
            "running": 0,
            "current": None,
            "details": [{"date": "2025-10-01", "model": "a", "status": "failed", "failed_session": {"id": 1}}],
        },
        message="in progress",
    )
    detail = body.wire()["progress"]["details"][0]
    assert detail == {"date": "2025-10-01", "model": "a", "status": "failed", "failed_session": {"id": 1}}

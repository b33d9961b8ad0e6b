"""`ai-trader check-model` and `POST /models/check` (issue 19 item 5) against real chat-completions servers on
loopback that answer each way: native tool calls, a tool call written as text, no tool call, 401, nobody there."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ai_trader.agents.prompts import STOP_SIGNAL
from ai_trader.api.app import create_app
from ai_trader.cli import app
from ai_trader.store import Store
from tests.integration.agents.servers import ScriptedChat, reply, status, tool_call

CALL = {"symbol": "AAPL", "date": "2025-06-03"}
NATIVE = reply(f"Checking. {STOP_SIGNAL}", [tool_call("get_price_local", CALL)], prompt_tokens=50, completion_tokens=9)
HERMES = reply(
    "<tool_call>" + json.dumps({"name": "get_price_local", "arguments": CALL}) + f"</tool_call> {STOP_SIGNAL}"
)
ENV = {"COLUMNS": "200", "LOG_LEVEL": "WARNING"}


@pytest.fixture(scope="module")
def servers():
    with (
        ScriptedChat([NATIVE]) as native,
        ScriptedChat([HERMES]) as text,
        ScriptedChat([reply("I would buy AAPL.")]) as silent,
        ScriptedChat([status(401, "bad key")]) as locked,
    ):
        yield {"native": native, "text": text, "silent": silent, "locked": locked}


def entry(signature: str, base_url: str, **fields) -> dict:
    return {"signature": signature, "basemodel": "m", "openai_base_url": base_url, "openai_api_key": "sk-t", **fields}


def write(settings, servers) -> str:
    models = [
        entry("native", servers["native"].base_url, temperature=0),
        entry("text-native", servers["text"].base_url),
        entry("text-auto", servers["text"].base_url, tool_call_format="auto"),
        entry("silent", servers["silent"].base_url),
        entry("locked", servers["locked"].base_url),
        entry("nobody", "http://127.0.0.1:9/v1"),
        {"signature": "cash", "provider": "baseline", "strategy": "cash"},
    ]
    config = {"date_range": {"init_date": "2025-06-02", "end_date": "2025-06-03"}, "models": models}
    path = settings.configs_dir / "check.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_check_model_reports_every_way_an_endpoint_answers_and_exits_1_on_a_broken_one(settings, servers):
    path = write(settings, servers)
    out = CliRunner().invoke(app, ["check-model", path, "--json", "--data-dir", str(settings.data_dir)], env=ENV)
    assert out.exit_code == 1, out.output
    by = {r["model"]: r for r in json.loads(out.output)["results"]}
    assert set(by) == {"native", "text-native", "text-auto", "silent", "locked", "nobody"}  # baselines: no endpoint
    native = by["native"]
    assert native["ok"] and native["tool_calls"] == "native" and native["finish_signal"] is True
    assert (native["prompt_tokens"], native["completion_tokens"]) == (50, 9) and native["latency_s"] >= 0
    assert servers["native"].requests[-1]["temperature"] == 0  # sent with the entry's request settings
    assert by["text-native"]["tool_calls"] == "text" and by["text-native"]["text_format"] == "hermes"
    assert not by["text-native"]["ok"] and "tool_call_format" in by["text-native"]["problem"]
    assert by["text-auto"]["ok"]
    assert by["silent"]["tool_calls"] == "none" and not by["silent"]["ok"]
    assert by["locked"]["reachable"] and by["locked"]["auth_ok"] is False and not by["locked"]["ok"]
    assert by["nobody"]["reachable"] is False and not by["nobody"]["ok"]


def test_check_model_of_one_good_entry_exits_0_and_prints_a_line(settings, servers):
    path = write(settings, servers)
    args = ["check-model", path, "--model", "native", "--data-dir", str(settings.data_dir)]
    out = CliRunner().invoke(app, args, env=ENV)
    assert out.exit_code == 0, out.output
    assert "ok native: reachable=True, auth_ok=True, tool_calls=native" in out.output
    unknown = CliRunner().invoke(app, [*args[:2], "--model", "nope", *args[4:]], env=ENV)
    assert unknown.exit_code == 2 and "unknown_model" in unknown.output


def test_post_models_check_needs_the_api_key_and_answers_the_report(settings, servers):
    write(settings, servers)
    api = settings.model_copy(update={"mcp_enabled": False, "api_key": "secret"})
    api.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(api.db_path)
    try:
        with TestClient(create_app(api, store=store, start_worker=False), raise_server_exceptions=False) as client:
            body = {"config_path": "check.json", "models": ["native", "silent"]}
            assert client.post("/models/check", json=body).status_code == 401
            answer = client.post("/models/check", json=body, headers={"X-API-Key": "secret"})
    finally:
        store.close()
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["ok"] is False and [(r["model"], r["ok"]) for r in data["results"]] == [
        ("native", True),
        ("silent", False),
    ]

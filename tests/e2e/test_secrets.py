"""No configured secret ever leaves the service: an LLM endpoint that quotes the key it was sent back (in a 401
message, in a reply without choices, in the text of a reply and through a tool's error) leaves no trace of any key
in the API's answers, the log, the audit file, the exports or the database file's bytes; the job's stored config
holds no key, and the worker reads the keys back from the config file."""

from __future__ import annotations

import json

import pytest

from tests.integration.agents.servers import ScriptedChat, reply, status, tool_call

from .server import Server, write_config

pytestmark = pytest.mark.slow

KEYS = {
    "leak-401": "sk-cfg-401-Zq8wR2mLx7",
    "leak-nochoices": "sk-cfg-nochoices-Hh3kP9vT",
    "leak-tool": "sk-cfg-tool-Yy6sN4bQw1",
}
ENV = {
    "OPENAI_API_KEY": "sk-env-openai-Mm5cV8rTz2",
    "ALPHAADVANTAGE_API_KEY": "av-env-key-Pp2xL7nQ",
    "JINA_API_KEY": "jina-env-key-Kk4dF9sW",
    "API_KEY": "api-env-key-Rr8gB3hJ",
}
SECRETS = [*KEYS.values(), *ENV.values()]


def _answer(chat: ScriptedChat):
    def script(body: dict, n: int) -> dict:
        bearer = chat.headers[-1].get("authorization", "").removeprefix("Bearer ")
        model = body["model"]
        expected = KEYS.get(model, ENV["OPENAI_API_KEY"])
        if bearer != expected:  # the worker must send the key of the config file (or OPENAI_API_KEY)
            return status(403, f"unexpected key for {model}")
        if model in ("leak-401", "leak-env"):
            return status(401, f"Incorrect API key provided: {bearer}. You can find your API key at ...")
        if model == "leak-nochoices":
            return {"__raw__": json.dumps({"error": f"no quota left on key {bearer}", "object": "error"})}
        if body["messages"][-1]["role"] != "tool":  # leak-tool: a tool call whose error quotes the key
            return reply("checking", [tool_call("add", {"a": bearer, "b": 1})])
        return reply(f"my keys are {', '.join(SECRETS)} <FINISH_SIGNAL>")

    return script


def _everything(server: Server, job_id: str, root) -> dict[str, str]:
    http = server.http
    texts = {
        "status": http.get(f"/simulate/status/{job_id}").text,
        "events": http.get(f"/simulate/events/{job_id}").text,
        "current": http.get("/simulate/current").text,
        "jobs": http.get("/simulate/jobs").text,
        "results date": http.get("/results", params={"date": "2025-07-02", "detail": "full"}).text,
        "results range": http.get(
            "/results", params={"start_date": "2025-07-02", "end_date": "2025-07-03", "detail": "full"}
        ).text,
        "performance": http.get("/performance").text,
        "log": server.output_all(),
    }
    for path in (root / "data").rglob("*"):
        if path.is_file():
            texts[str(path.relative_to(root))] = path.read_bytes().decode("latin-1")
    return texts


def test_no_key_is_echoed_anywhere(e2e_root):
    with ScriptedChat([]) as chat:
        chat.reset(_answer(chat))
        common = {"provider": "openai", "openai_base_url": chat.base_url, "enabled": True}
        models = [{"signature": sig, "basemodel": sig, "openai_api_key": key, **common} for sig, key in KEYS.items()]
        models.append({"signature": "leak-env", "basemodel": "leak-env", **common})  # OPENAI_API_KEY
        cfg = write_config(e2e_root, "leaky.json", models, "2025-07-01", "2025-07-03")
        server = Server(e2e_root, env=ENV)
        try:
            resp = server.http.post("/simulate/trigger", json={"config_path": cfg, "end_date": "2025-07-03"})
            assert resp.status_code == 202, resp.text
            job_id = resp.json()["job_id"]
            done = server.wait_job(job_id)
            by_model = {(d["model"], d["date"]): d for d in done["progress"]["details"]}
            # the endpoint did answer with the keys: the failures quote its text, redacted
            assert "Incorrect API key provided: ***" in by_model[("leak-401", "2025-07-02")]["error"]
            assert "Incorrect API key provided: ***" in by_model[("leak-env", "2025-07-02")]["error"]
            assert "no quota left on key ***" in by_model[("leak-nochoices", "2025-07-02")]["error"]
            # the key read back from the config file reached the endpoint: both days of leak-tool completed
            assert [by_model[("leak-tool", d)]["status"] for d in ("2025-07-02", "2025-07-03")] == ["completed"] * 2
            texts = _everything(server, job_id, e2e_root)
            assert "***" in texts["results date"]  # the session (tool error, reply text) is there, redacted
            assert any("log.jsonl" in name for name in texts)  # the exports were written
        finally:
            server.stop()
        texts["log"] = server.output_all()
    leaks = {name: [s for s in SECRETS if s in text] for name, text in texts.items()}
    assert not {k: v for k, v in leaks.items() if v}, "secrets leaked"

"""A failed model-day keeps its conversation (issue 19 item 1): against a real chat-completions server on loopback
that keeps working past the day's timeout, the failed day's messages, per-step timings and tokens and the error
are stored in `failed_sessions`, exported as log/<date>/failed-<attempt>.jsonl, shown on the job's failed detail
and in its audit trail, and never count as a committed day."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ai_trader.agents.llm import LlmAgent, LlmEndpoint, LoopLimits
from ai_trader.agents.prompts import STOP_SIGNAL
from ai_trader.cli import app
from ai_trader.errors import ModelDayFailed, NoData
from ai_trader.jobs.executor import execute_model_day
from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from ai_trader.service.results import results_for_date, results_for_range
from ai_trader.store import failed as failed_store
from tests.integration.agents.helpers import DAY, ledger, live_sessions, run_day
from tests.integration.agents.servers import ScriptedChat, reply, slow, tool_call
from tests.support.jobs import trigger


def agent(chat: ScriptedChat) -> LlmAgent:
    endpoint = LlmEndpoint(basemodel="test-model", base_url=chat.base_url, api_key="sk-test", request_timeout_s=30)
    return LlmAgent(endpoint, LoopLimits(max_steps=5, max_retries=0, base_delay=0))


# step 1 asks a price (tokens 321/12), step 2 the server keeps working on far beyond the day's timeout
STALLS = [
    reply(
        None, [tool_call("get_price_local", {"symbol": "AAPL", "date": DAY})], prompt_tokens=321, completion_tokens=12
    )
]
STALLS += [slow(4, reply("too late"))]


def fail_day(env, chat, agent_data: Path) -> str:
    with pytest.raises(ModelDayFailed, match="timed out") as info:
        asyncio.run(
            execute_model_day(
                env,
                job_id="job-f",
                signature="llm",
                date=DAY,
                competitor=agent(chat),
                initial_cash=10_000.0,
                timeout_s=1.5,
                agent_data_dir=agent_data,
            )
        )
    return str(info.value)


def test_a_timed_out_day_keeps_its_conversation_in_the_database_and_a_file(env, chat_with, tmp_path):
    with chat_with(STALLS) as chat:
        error = fail_day(env, chat, tmp_path)
    assert ledger(env, "llm") == [] and live_sessions(env) == 0  # never a committed day
    with env.store.read() as conn:
        kept = failed_store.failed_sessions_of_job(conn, "job-f")[(DAY, "llm")]
        fs, messages, steps = failed_store.failed_session_body(conn, kept[0].id)
    assert (fs.attempt, fs.error, fs.total_steps, fs.prompt_tokens, fs.completion_tokens) == (1, error, 1, 321, 12)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool"]
    assert "AAPL" in messages[3]["content"]
    assert steps[0]["usage"] == {"prompt_tokens": 321, "completion_tokens": 12} and steps[0]["latency_s"] >= 0
    lines = [json.loads(x) for x in (tmp_path / "llm" / "log" / DAY / "failed-1.jsonl").read_text().splitlines()]
    assert lines[0]["error"] == error and lines[0]["attempt"] == 1
    assert lines[0]["steps"][0]["tool_calls"] == ["get_price_local"]
    assert [x["new_messages"][0]["role"] for x in lines[1:]] == ["system", "user", "assistant", "tool"]
    assert not (tmp_path / "llm" / "log" / DAY / "log.jsonl").exists()


def test_each_failure_of_the_same_day_is_its_own_attempt(env, chat_with, tmp_path):
    with chat_with(STALLS) as chat:
        fail_day(env, chat, tmp_path)
    with chat_with(STALLS) as chat:
        fail_day(env, chat, tmp_path)
    assert sorted(p.name for p in (tmp_path / "llm" / "log" / DAY).iterdir()) == ["failed-1.jsonl", "failed-2.jsonl"]


def test_a_job_shows_the_kept_conversation_on_its_failed_day_and_in_its_events(settings, market_store, chat_with):
    with chat_with(STALLS) as chat:
        config = {
            "date_range": {"init_date": "2025-06-02", "end_date": DAY},
            "models": [
                {
                    "signature": "llm",
                    "basemodel": "test-model",
                    "openai_base_url": chat.base_url,
                    "openai_api_key": "sk-test",
                }
            ],
            "agent_config": {"max_steps": 3, "max_retries": 0, "base_delay": 0.001},
        }
        (settings.configs_dir / "fails.json").write_text(json.dumps(config))
        tight = settings.model_copy(update={"model_day_timeout_seconds": 1.5, "worker_poll_seconds": 0.05})
        service = JobService(tight, market_store)
        code, body = trigger(service, {"config_path": "fails.json", "end_date": DAY})
        assert code == 202, body
        worker = Worker(tight, market_store)
        worker.start()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job = service.status(body["job_id"])
                if job["status"] in ("completed", "failed", "partial"):
                    break
                time.sleep(0.05)
        finally:
            worker.stop(5)
    assert job["status"] == "failed", job
    (detail,) = job["progress"]["details"]
    kept = detail["failed_session"]
    assert kept["attempt"] == 1 and kept["total_steps"] == 1 and kept["file"] == f"llm/log/{DAY}/failed-1.jsonl"
    assert "timed out" in kept["error"]
    assert (tight.agent_data_dir / kept["file"]).exists()
    failed_events = [e for e in service.events(body["job_id"])["events"] if e["to_status"] == "failed" and e["date"]]
    assert [e["failed_session"]["id"] for e in failed_events] == [kept["id"]]
    assert job["progress"]["completed"] == 0
    with pytest.raises(NoData) as nothing:  # no committed day: still 404 no_data, naming the failed attempt
        results_for_date(market_store, DAY, agent_data_dir=tight.agent_data_dir)
    assert "1 failed attempt(s)" in nothing.value.message
    assert nothing.value.details["failed_attempts"] == [{"model": "llm", "date": DAY, "job_id": body["job_id"], **kept}]


def test_results_list_failed_attempts_beside_the_committed_days(env, settings, chat_with, tmp_path):
    with chat_with(STALLS) as chat:
        fail_day(env, chat, tmp_path)
    price = tool_call("get_price_local", {"symbol": "AAPL", "date": DAY})
    with chat_with([reply(None, [price]), reply(f"Holding. {STOP_SIGNAL}")]) as chat:
        run_day(env, agent(chat), signature="ok")
    day = results_for_date(env.store, DAY, agent_data_dir=tmp_path)
    span = results_for_range(env.store, None, DAY, DAY, agent_data_dir=tmp_path)
    for body in (day, span):
        assert [r["model"] for r in body["results"]] == ["ok"]  # a failed attempt is never a committed day
        [failed] = body["failed_attempts"]
        assert (failed["model"], failed["date"], failed["attempt"], failed["job_id"]) == ("llm", DAY, 1, "job-f")
        assert "timed out" in failed["error"] and failed["file"] == f"llm/log/{DAY}/failed-1.jsonl"
    assert "failed_attempts" not in results_for_date(env.store, DAY, model="ok", agent_data_dir=tmp_path)
    printed = CliRunner().invoke(app, ["results", "--date", DAY, "--data-dir", str(settings.data_dir)])
    assert printed.exit_code == 0, printed.output
    assert f"failed: llm {DAY} attempt 1: model-day timed out" in " ".join(printed.output.split())

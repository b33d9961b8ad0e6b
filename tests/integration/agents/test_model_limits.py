"""Slow and rate-limited endpoints against a real chat-completions server on loopback: per-model timeouts name the
setting to change, a 429's Retry-After is honoured (seconds and HTTP date) by the one retry policy, one endpoint's
concurrency cap holds across chains, and a job shows the wait on its running model-day."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time

import pytest

from ai_trader.agents.factory import build_competitor
from ai_trader.agents.prompts import STOP_SIGNAL
from ai_trader.config import AgentConfig, ModelConfig
from ai_trader.errors import ModelDayFailed
from ai_trader.jobs.executor import day_timeout, execute_model_day
from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from tests.integration.agents.helpers import DAY, ledger, run_day
from tests.integration.agents.servers import ScriptedChat, reply, slow, status, tool_call
from tests.support.jobs import trigger

AGENT = AgentConfig(max_steps=4, max_retries=2, base_delay=0.001)


def entry(chat: ScriptedChat, signature: str = "llm", **fields) -> ModelConfig:
    return ModelConfig(
        signature=signature, basemodel="test-model", openai_base_url=chat.base_url, openai_api_key="sk-test", **fields
    )


def finish(text: str = "Done.") -> dict:
    return reply(f"{text} {STOP_SIGNAL}")


def test_a_slow_request_fails_naming_the_request_timeout_to_raise(env, settings, chat_with):
    quick = AgentConfig(max_steps=2, max_retries=0, base_delay=0)
    with chat_with([slow(1.5, finish())]) as chat:
        own = build_competitor(entry(chat, request_timeout_s=0.3), quick, settings, env.store)
        with pytest.raises(ModelDayFailed, match=r"Timeout.*raise request_timeout_s in the entry of 'llm'"):
            run_day(env, own)
        default = build_competitor(
            entry(chat), quick, settings.model_copy(update={"llm_request_timeout_seconds": 0.3}), env.store
        )
        with pytest.raises(ModelDayFailed, match=r"each request may take 0.3 s: raise LLM_REQUEST_TIMEOUT_SECONDS"):
            run_day(env, default)
    assert ledger(env, "llm") == []


def test_a_slow_model_gets_its_own_model_day_timeout(env, settings, chat_with):
    tight = settings.model_copy(update={"model_day_timeout_seconds": 0.3})

    def day(model: ModelConfig):
        competitor = build_competitor(model, AGENT, tight, env.store)
        return asyncio.run(
            execute_model_day(
                env,
                job_id=None,
                signature="llm",
                date=DAY,
                competitor=competitor,
                initial_cash=10_000.0,
                **day_timeout(model, tight),
            )
        )

    with chat_with([slow(0.8, finish())]) as chat:
        with pytest.raises(ModelDayFailed, match=r"timed out after 0.3 s \(raise MODEL_DAY_TIMEOUT_SECONDS\)"):
            day(entry(chat))
        assert day(entry(chat, model_day_timeout_s=30)).session.stop_signal_received
        with pytest.raises(ModelDayFailed, match=r"timed out after 0.2 s \(raise model_day_timeout_s in the entry"):
            day(entry(chat, model_day_timeout_s=0.2))


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_a_429_waits_as_long_as_retry_after_says(env, settings, chat_with, form):
    value = "1" if form == "seconds" else email.utils.formatdate(time.time() + 2, usegmt=True)
    with chat_with([status(429, "slow down", {"Retry-After": value}), finish()]) as chat:
        out = run_day(env, build_competitor(entry(chat), AGENT, settings, env.store))
    assert out.session.stop_signal_received and out.session.steps[0]["attempts"] == 2
    waited = chat.times[1] - chat.times[0]
    assert waited >= (0.9 if form == "seconds" else 0.5)  # the backoff alone (base_delay 0.001) is milliseconds


def test_a_retry_after_beyond_the_limit_fails_at_once_naming_the_setting(env, settings, chat_with):
    expected = r"asks to wait 3600 s.*LLM_MAX_RETRY_AFTER_SECONDS \(300 s\)"
    with (
        chat_with([status(429, "quota exhausted", {"Retry-After": "3600"}), finish()]) as chat,
        pytest.raises(ModelDayFailed, match=expected),
    ):
        run_day(env, build_competitor(entry(chat), AGENT, settings, env.store))
    assert len(chat.requests) == 1


def test_one_endpoint_concurrency_cap_holds_across_chains(env, settings, chat_with):
    """Two signatures on one endpoint, their days run concurrently: with max_concurrent_requests 1 the server never
    sees two requests at once (without it, it does)."""
    look = reply("Looking.", [tool_call("get_price_local", {"symbol": "AAPL", "date": "2025-06-02"})])

    def script(body, n):
        seen = sum(1 for m in body["messages"] if m["role"] == "assistant")
        return slow(0.3, look if seen == 0 else finish())

    async def both(**limits) -> None:
        competitors = [
            build_competitor(entry(chat, signature=sig, **limits), AGENT, settings, env.store) for sig in ("a", "b")
        ]
        await asyncio.gather(
            *(
                execute_model_day(
                    env, job_id=None, signature=sig, date=DAY, competitor=c, initial_cash=10_000.0, timeout_s=30
                )
                for sig, c in zip(("a", "b"), competitors, strict=True)
            )
        )

    with chat_with(script) as chat:
        asyncio.run(both())
        assert chat.max_in_flight == 2
        chat.reset(script)
        asyncio.run(both(max_concurrent_requests=1))
        assert chat.max_in_flight == 1 and len(chat.requests) == 4


def test_a_job_shows_the_rate_limit_wait_on_its_running_model_day(settings, market_store, chat_with):
    """A job whose endpoint answers 429 + Retry-After: 3 shows `phase: waiting_for_rate_limit` (with the time it
    ends) on the running model-day while it waits, then completes; the model entry's model_day_timeout_s (30 s)
    is what lets it wait past MODEL_DAY_TIMEOUT_SECONDS (1 s here)."""
    with chat_with([status(429, "slow down", {"Retry-After": "3"}), finish()]) as chat:
        config = {
            "date_range": {"init_date": "2025-06-02", "end_date": DAY},
            "models": [
                {
                    "signature": "llm",
                    "basemodel": "test-model",
                    "openai_base_url": chat.base_url,
                    "openai_api_key": "sk-test",
                    "model_day_timeout_s": 30,
                }
            ],
            "agent_config": {"max_steps": 3, "max_retries": 2, "base_delay": 0.001},
        }
        (settings.configs_dir / "limits.json").write_text(json.dumps(config))
        tight = settings.model_copy(update={"model_day_timeout_seconds": 1.0, "worker_poll_seconds": 0.05})
        service = JobService(tight, market_store)
        code, body = trigger(service, {"config_path": "limits.json", "end_date": DAY})
        assert code == 202, body
        worker = Worker(tight, market_store)
        worker.start()
        seen = None
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job = service.status(body["job_id"])
                running = [d for d in job["progress"]["details"] if d["status"] == "running"]
                if running and running[0].get("phase"):
                    seen = running[0]
                if job["status"] in ("completed", "failed", "partial"):
                    break
                time.sleep(0.05)
        finally:
            worker.stop(5)
    assert seen is not None and seen["phase"] == "waiting_for_rate_limit" and seen["phase_until"]
    assert job["status"] == "completed", job
    assert [set(d) & {"phase", "phase_until"} for d in job["progress"]["details"]] == [set()]

"""Replay reproduces a recorded run exactly; the factory builds each provider and refuses unknown ones; the
scripted provider drives the real loop deterministically."""

from __future__ import annotations

import pytest

from ai_trader.agents.factory import build_competitor
from ai_trader.agents.llm import LlmAgent
from ai_trader.agents.replay import ReplayCompetitor
from ai_trader.config import AgentConfig, ModelConfig
from ai_trader.errors import ModelDayFailed
from tests.integration.agents.helpers import ledger, run_day, session_of

DAYS = ["2025-06-02", "2025-06-03", "2025-06-04", "2025-06-05", "2025-06-06"]
AGENT = AgentConfig(max_steps=6, base_delay=0.001)


def build(settings, store, **entry):
    return build_competitor(ModelConfig(**entry), AGENT, settings, store)


def test_replay_of_a_recorded_run_gives_identical_ledgers(env, settings):
    for day in DAYS:
        run_day(
            env,
            build(settings, env.store, signature="orig", provider="scripted", script="momentum_lite"),
            signature="orig",
            date=day,
        )
    replay = build(settings, env.store, signature="copy", provider="replay", replay_of="orig")
    assert isinstance(replay, ReplayCompetitor)
    for day in DAYS:
        run_day(env, replay, signature="copy", date=day)
    original = ledger(env, "orig")
    assert sum(len(d["trades"]) for d in original) >= 3
    assert ledger(env, "copy") == original
    rec = session_of(env, "copy", DAYS[2])
    assert rec.provider == "replay" and "every result matched" in rec.reasoning_summary
    assert rec.tool_usage == session_of(env, "orig", DAYS[2]).tool_usage


def test_replay_without_a_recording_fails_the_day_clearly(env, settings):
    replay = build(settings, env.store, signature="copy", provider="replay", replay_of="ghost")
    with pytest.raises(ModelDayFailed, match="no recorded session of 'ghost' on 2025-06-03"):
        run_day(env, replay, signature="copy")
    assert ledger(env, "copy") == []


def test_scripted_runs_are_deterministic(env, settings):
    for sig in ("s1", "s2"):
        for day in DAYS[:3]:
            run_day(
                env,
                build(settings, env.store, signature=sig, provider="scripted", script="buy_and_hold_top3"),
                signature=sig,
                date=day,
            )
    first = ledger(env, "s1")
    assert first == ledger(env, "s2")
    assert first[0]["trades"] and all(not d["trades"] for d in first[1:])  # buys once, then holds
    rec = session_of(env, "s1", DAYS[0])
    assert rec.provider == "scripted" and rec.stop_signal_received and rec.prompt_tokens > 0


def test_garbage_script_never_trades_and_the_day_still_commits(env, settings):
    out = run_day(env, build(settings, env.store, signature="g", provider="scripted", script="garbage"), signature="g")
    assert out.trades == 0 and out.cash == 10_000.0
    errors = [r["result"]["error"] for s in out.session.steps for r in s["tool_results"]]
    assert len(errors) == 8 and all(errors)


def test_factory_builds_each_provider(settings, store):
    settings = settings.model_copy(update={"openai_api_key": "sk-env", "openai_api_base": "http://env/v1"})
    baseline = build(settings, store, signature="b", provider="baseline", strategy="equal_weight")
    assert baseline.provider == "baseline"
    llm = build(settings, store, signature="o", basemodel="openai/gpt-5")
    assert isinstance(llm, LlmAgent) and llm.provider == "openai"
    assert (llm.endpoint.base_url, llm.endpoint.api_key) == ("http://env/v1", "sk-env")  # settings fallback
    own = build(settings, store, signature="o2", basemodel="x", openai_base_url="http://own/v1", openai_api_key="k")
    assert (own.endpoint.base_url, own.endpoint.api_key) == ("http://own/v1", "k")
    assert (llm.limits.max_steps, llm.limits.base_delay) == (6, 0.001)
    assert build(settings, store, signature="s", provider="scripted", script="garbage").provider == "scripted"


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"provider": "scripted", "script": "nope"}, "unknown script 'nope'"),
        ({"provider": "baseline", "strategy": "yolo"}, "yolo"),
    ],
)
def test_factory_refuses_unknown_names(settings, store, entry, message):
    with pytest.raises(ValueError, match=message):
        build(settings, store, signature="x", **entry)


def test_factory_refuses_an_unknown_provider(settings, store):
    model = ModelConfig(signature="x", basemodel="m").model_copy(update={"provider": "carrier-pigeon"})
    with pytest.raises(ValueError, match="unknown provider 'carrier-pigeon'"):
        build_competitor(model, AGENT, settings, store)

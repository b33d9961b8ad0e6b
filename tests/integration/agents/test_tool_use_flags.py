""" "Never used a tool" is visible (issue 19 item 4): against a real chat-completions server on loopback, a text-only
day and a day that finishes on step 1 commit like any other but are flagged in /results (per day and per signature),
/performance and the CLI, so a broken integration does not pass as a cautious trader."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ai_trader.agents.llm import LlmAgent, LlmEndpoint, LoopLimits
from ai_trader.agents.prompts import STOP_SIGNAL
from ai_trader.cli import app
from ai_trader.service.performance import performance
from ai_trader.service.results import results_for_date, results_for_range
from tests.integration.agents.helpers import DAY, run_day
from tests.integration.agents.servers import ScriptedChat, reply, tool_call

NEXT = "2025-06-04"


def agent(chat: ScriptedChat) -> LlmAgent:
    endpoint = LlmEndpoint(basemodel="test-model", base_url=chat.base_url, api_key="sk-test", request_timeout_s=10)
    return LlmAgent(endpoint, LoopLimits(max_steps=3, max_retries=0, base_delay=0))


PRICE = tool_call("get_price_local", {"symbol": "AAPL", "date": DAY})
DONE = reply(f"Holding cash. {STOP_SIGNAL}")


def test_days_without_tool_use_are_flagged_per_day_and_per_signature(env, chat_with, settings):
    with chat_with([DONE]) as chat:  # text only, finish at once: what a broken tool-calling template looks like
        run_day(env, agent(chat), signature="talker")
        run_day(env, agent(chat), signature="talker", date=NEXT)
    with chat_with([reply(f"Looked. {STOP_SIGNAL}", [PRICE])]) as chat:  # a tool call, but finished on step 1
        run_day(env, agent(chat), signature="hasty")
    with chat_with([reply(None, [PRICE]), DONE] * 2) as chat:  # used a tool, finished on step 2
        run_day(env, agent(chat), signature="worker")
        run_day(env, agent(chat), signature="worker", date=NEXT)

    day = {
        r["model"]: r["ai_reasoning"]["no_tool_use"] for r in results_for_date(env.store, DAY, detail="full")["results"]
    }
    assert day == {"talker": "no_tool_calls", "hasty": "finished_on_step_1", "worker": None}

    ranged = results_for_range(env.store, env.prices, DAY, NEXT)
    assert {r["model"]: r["tool_use"] for r in ranged["results"]} == {
        "hasty": {"days": 1, "no_tool_use_days": 1, "no_tool_use_share": 1.0},
        "talker": {"days": 2, "no_tool_use_days": 2, "no_tool_use_share": 1.0},
        "worker": {"days": 2, "no_tool_use_days": 0, "no_tool_use_share": 0.0},
    }
    board = performance(env.store, env.prices)["leaderboard"]
    assert {r["model"]: r["tool_use"]["no_tool_use_share"] for r in board} == {
        "hasty": 1.0,
        "talker": 1.0,
        "worker": 0.0,
    }

    cli_env = {"COLUMNS": "200", "LOG_LEVEL": "WARNING"}
    table = CliRunner().invoke(app, ["performance", "--data-dir", str(settings.data_dir)], env=cli_env)
    assert table.exit_code == 0, table.output
    assert "talker never used a tool on 2 of 2 day(s) (100%)" in table.output
    assert "worker never used a tool" not in table.output
    as_json = CliRunner().invoke(app, ["performance", "--json", "--data-dir", str(settings.data_dir)], env=cli_env)
    assert {r["model"]: r["tool_use"]["no_tool_use_days"] for r in json.loads(as_json.output)["leaderboard"]} == {
        "hasty": 1,
        "talker": 2,
        "worker": 0,
    }
    dated = CliRunner().invoke(
        app, ["results", "--date", DAY, "--detail", "full", "--data-dir", str(settings.data_dir)], env=cli_env
    )
    assert "talker never used a tool (no_tool_calls)" in dated.output

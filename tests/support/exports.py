"""Model-days played through the executor (which writes the AI-Trader files when given an `agent_data_dir`), and
those files read back: the export and corporate-action tests' shared set-up."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ai_trader.agents.base import SessionResult
from ai_trader.jobs.executor import execute_model_day


def finished(date: str) -> list[dict[str, str]]:
    """A session's messages: the day's prompt and a finishing reply."""
    return [{"role": "user", "content": f"day {date}"}, {"role": "assistant", "content": "<FINISH_SIGNAL>"}]


class Plan:
    """A competitor that makes the tool calls `per_day` gives its day's date, then ends with `messages(date)`."""

    provider = "test"

    def __init__(self, per_day, messages: Callable[[str], list[dict[str, str]]] = finished):
        self.per_day, self.messages = per_day, messages

    async def run_day(self, brief, tools):
        for name, args in self.per_day.get(brief.date, []):
            await tools.call(name, args)
        return SessionResult(provider="test", messages=self.messages(brief.date))


def run_days(
    env,
    signature: str,
    days: Iterable[tuple[str, Any]],
    agent_data_dir: Path | None = None,
    *,
    job_id: str | None = None,
    timeout_s: float = 30,
) -> None:
    """Each `(date, competitor)` of `days` run and committed in order, from 10,000 cash; the files written to
    `agent_data_dir` when one is given."""

    async def go():
        for date, competitor in days:
            await execute_model_day(
                env,
                job_id=job_id,
                signature=signature,
                date=date,
                competitor=competitor,
                initial_cash=10_000.0,
                timeout_s=timeout_s,
                agent_data_dir=agent_data_dir,
            )

    asyncio.run(go())


def play(env, signature: str, plan, days: Iterable[str], agent_data_dir: Path | None = None) -> None:
    """`plan` run on each of `days`, as job `j`."""
    run_days(env, signature, [(d, plan) for d in days], agent_data_dir, job_id="j", timeout_s=10)


def read_jsonl(path: Path) -> list[Any]:
    """The lines of an exported .jsonl file (position.jsonl, log.jsonl, failed-N.jsonl), parsed."""
    return [json.loads(x) for x in path.read_text().splitlines()]

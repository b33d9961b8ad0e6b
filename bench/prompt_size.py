"""Prompt size per model-day in both prompt formats (`prompt_format` "standard" and "compact").

Plays scripted models (provider "scripted", in process) through the real executor on the packaged NASDAQ-100 data
and measures every chat request the session sends: the system prompt; the prompt text the model reads per request
(every message's content and tool calls, plus the six tool specs as JSON: all re-sent on every step), summed over
the model-day's requests; and the request bodies' bytes (JSON, where the standard format's quotes are escaped).
Tokens are estimated by one documented rule, ceil(characters / 4) (the scripted server's rule; real tokenizers
differ, and split numbers into more tokens).

    python bench/prompt_size.py [--days 20] [--scripts momentum_lite buy_and_hold_top3]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common
import httpx2

from ai_trader.agents.factory import build_competitor
from ai_trader.config import AgentConfig, ModelConfig
from ai_trader.jobs.executor import execute_model_day
from ai_trader.market.prices import PriceView
from ai_trader.store import Store
from ai_trader.tools.context import ToolEnv


def tokens(chars: int) -> int:
    return math.ceil(chars / 4)


def measure(store: Store, env: ToolEnv, settings, script: str, fmt: str, days: list[str]) -> dict:
    sizes: list[tuple[int, int]] = []  # (request body bytes, prompt text characters), in order

    async def hook(request: httpx2.Request) -> None:
        body = json.loads(request.content)
        text = sum(
            len(m.get("content") or "") + len(json.dumps(m["tool_calls"]))
            if m.get("tool_calls")
            else len(m.get("content") or "")
            for m in body["messages"]
        )
        sizes.append((len(request.content), text + len(json.dumps(body["tools"]))))

    model = ModelConfig(signature=f"{script}-{fmt}", provider="scripted", script=script, prompt_format=fmt)
    agent = build_competitor(model, AgentConfig(max_steps=30), settings, store)
    plain = agent.endpoint.http_client_factory

    def recording() -> httpx2.AsyncClient:
        client = plain()
        client.event_hooks = {"request": [hook], "response": []}
        return client

    agent.endpoint = dataclasses.replace(agent.endpoint, http_client_factory=recording)
    per_day = []
    for d in days:
        before = len(sizes)
        out = asyncio.run(
            execute_model_day(
                env,
                job_id=None,
                signature=model.signature,
                date=d,
                competitor=agent,
                initial_cash=10_000.0,
                timeout_s=60,
            )
        )
        system = len(out.session.messages[0]["content"])
        requests = sizes[before:]
        per_day.append(
            {
                "date": d,
                "steps": out.session.total_steps,
                "system_prompt_chars": system,
                "request_bytes": sum(b for b, _ in requests),
                "prompt_chars": sum(t for _, t in requests),
                "scripted_prompt_tokens": out.session.prompt_tokens,
            }
        )
    mean = {k: statistics.fmean(p[k] for p in per_day) for k in per_day[0] if k != "date"}
    return {
        "script": script,
        "format": fmt,
        "model_days": len(per_day),
        "mean_steps": round(mean["steps"], 2),
        "system_prompt_chars": round(mean["system_prompt_chars"]),
        "system_prompt_tokens_est": tokens(round(mean["system_prompt_chars"])),
        "request_bytes_per_model_day": round(mean["request_bytes"]),
        "prompt_chars_per_model_day": round(mean["prompt_chars"]),
        "prompt_tokens_est_per_model_day": tokens(round(mean["prompt_chars"])),
        "scripted_prompt_tokens_per_model_day": round(mean["scripted_prompt_tokens"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--scripts", nargs="+", default=["momentum_lite", "buy_and_hold_top3"])
    args = ap.parse_args()
    root = _common.fresh_root("prompt-size")
    settings = _common.settings_for(root)
    store = Store(settings.db_path)
    env = ToolEnv(store=store, prices=PriceView.load(store), news=None)
    days = _common.trading_days(store)[1 : args.days + 1]
    rows = [measure(store, env, settings, s, f, days) for s in args.scripts for f in ("standard", "compact")]
    print(
        f"{'script':<18} {'format':<9} {'steps':>5} {'sys chars':>9} {'sys tok':>7} {'body bytes/day':>14} "
        f"{'prompt chars/day':>16} {'prompt tok/day':>14}"
    )
    for r in rows:
        print(
            f"{r['script']:<18} {r['format']:<9} {r['mean_steps']:>5} {r['system_prompt_chars']:>9} "
            f"{r['system_prompt_tokens_est']:>7} {r['request_bytes_per_model_day']:>14} "
            f"{r['prompt_chars_per_model_day']:>16} {r['prompt_tokens_est_per_model_day']:>14}"
        )
    _common.write_result("prompt_size", {"machine": _common.machine(), "days": days, "rows": rows})
    store.close()
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

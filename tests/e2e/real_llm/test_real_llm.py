"""A real model behind a real OpenAI-compatible server nobody here wrote (llama-cpp-python, SmolLM2-135M-Instruct on
CPU): one one-day job through `ai-trader run` (in-process tools) and one through `ai-trader serve` with
TOOL_TRANSPORT=mcp. Each job completes; the session records hold the model's tool calls (native or parsed from the
text, as `tool_call_format: "auto"` reads them); the ledger is consistent (values = cash + shares × closes, cash
never negative, each trade's cash follows from the previous one). Opt-in: `make test-real-llm` (see conftest)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from ai_trader.ledger.valuation import value_on
from ai_trader.market.prices import PriceView
from ai_trader.store import Store
from ai_trader.store import ledger as ledger_rows
from ai_trader.store import records as record_rows

from ..server import BIN, Server, cli, env_for

DAY = "2025-06-03"
SLOW_S = 3600  # CPU inference on a shared 2-core machine
pytestmark = pytest.mark.timeout(SLOW_S + 600)  # not the suite's 300 s: a busy machine makes each step minutes


def entry(base_url: str, signature: str) -> dict:
    return {
        "signature": signature,
        "basemodel": "smollm2",
        "openai_base_url": base_url,
        "openai_api_key": "local",
        # llama-cpp-python's `chatml-function-calling` shows the tools to the model only when tool_choice is sent,
        # and only "auto" works there ("required" fails its `assert tool_choice == "auto"`: HTTP 500): its grammar
        # makes each reply begin with `functions.NAME:` (a native call) or `message:` (whose text may only be
        # `functions.NAME:` again, read by tool_call_format "auto" as a call without arguments)
        "tool_choice": "auto",
        "tool_call_format": "auto",
        "prompt_format": "compact",
        "temperature": 0,
        "seed": 1,
        "max_tokens": 160,
        "request_timeout_s": 900,
        "model_day_timeout_s": SLOW_S,
        "max_concurrent_requests": 1,
    }


def write(root: Path, name: str, models: list[dict]) -> Path:
    path = root / "configs" / name
    config = {
        "date_range": {"init_date": DAY, "end_date": DAY},
        "models": models,
        "agent_config": {"max_steps": 3, "max_retries": 1, "base_delay": 1.0, "initial_cash": 10000.0},
    }
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def checked(root: Path, signature: str) -> dict:
    """Assert the signature's ledger is consistent; return what its sessions did (for the report)."""
    store = Store(root / "data" / "jobs.db")
    try:
        prices = PriceView.load(store)
        with store.read() as conn:
            days = ledger_rows.model_days(conn, signature)
            trades = ledger_rows.trades_for(conn, [d.id for d in days])
            records = [record_rows.session_record(conn, d.id) for d in days]
    finally:
        store.close()
    assert [d.date for d in days] == [DAY]
    cash = 10_000.0
    for d in days:
        for t in trades[d.id]:
            cash = round(cash - t.total - t.fee if t.action == "buy" else cash + t.total - t.fee, 2)
            assert t.cash_after == pytest.approx(cash) and t.cash_after >= 0
        assert d.cash == pytest.approx(cash) and d.cash >= 0
        assert d.portfolio_value == pytest.approx(value_on(prices, d.date, d.cash, d.positions))
    calls = [c for r in records for s in r.steps for c in s["response"]["tool_calls"]]
    results = [t for r in records for s in r.steps for t in s.get("tool_results", [])]
    assert [t["id"] for t in results] == [c["id"] for c in calls]  # every call recorded ran through our tools
    return {
        "signature": signature,
        "steps": sum(r.total_steps for r in records),
        "tool_calls": len(calls),
        "parsed_from_text": sum(1 for c in calls if c.get("parsed_from_text")),
        "formats": sorted({c.get("format", "native") for c in calls}),
        "tools": sorted({c["name"] for c in calls}),
        "tool_errors": sum(1 for t in results if isinstance(t["result"], dict) and "error" in t["result"]),
        "calls": [f"{c['name']}({c['arguments']})"[:80] for c in calls][:10],
        "finished": [r.stop_signal_received for r in records],
        "trades": sum(len(v) for v in trades.values()),
        "prompt_tokens": sum(r.prompt_tokens for r in records),
        "completion_tokens": sum(r.completion_tokens for r in records),
        "summaries": [r.reasoning_summary[:120] for r in records],
    }


def test_a_real_model_plays_a_day_through_ai_trader_run(e2e_root, llama_server):
    path = write(e2e_root, "real.json", [entry(llama_server, "smollm2")])
    started = time.monotonic()
    check = cli(e2e_root, "check-model", str(path), "--json", check=False)  # the documented first step
    assert check.returncode == 0, f"{check.stdout[-3000:]}\n{check.stderr[-3000:]}"
    (report,) = json.loads(check.stdout)["results"]
    assert report["ok"] and report["tool_calls"] in ("native", "text"), report
    print("REAL-LLM check-model:", json.dumps(report))
    done = subprocess.run(
        [str(BIN), "run", str(path), "--start", DAY, "--end", DAY],
        env=env_for(e2e_root),
        cwd=e2e_root,
        capture_output=True,
        text=True,
        timeout=SLOW_S,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    report = checked(e2e_root, "smollm2") | {"seconds": round(time.monotonic() - started, 1)}
    print("REAL-LLM run:", json.dumps(report))
    assert report["tool_calls"] >= 1, report


def test_a_real_model_plays_a_day_through_serve_with_mcp_tools(e2e_root, llama_server, monkeypatch):
    monkeypatch.setenv("TOOL_TRANSPORT", "mcp")
    write(e2e_root, "real.json", [entry(llama_server, "smollm2-mcp")])
    started = time.monotonic()
    server = Server(e2e_root, mcp=True)
    try:
        code = server.http.post(
            "/simulate/trigger", json={"config_path": "real.json", "start_date": DAY, "end_date": DAY}
        )
        assert code.status_code == 202, code.text
        job = server.wait_job(code.json()["job_id"], timeout=SLOW_S)
    finally:
        server.stop()
    assert job["status"] == "completed", job
    report = checked(e2e_root, "smollm2-mcp") | {"seconds": round(time.monotonic() - started, 1)}
    print("REAL-LLM serve+mcp:", json.dumps(report))
    assert report["tool_calls"] >= 1, report

"""End to end against the real server process: import data with the CLI, trigger jobs over HTTP, let the in-process
worker run baselines and a scripted LLM model, read results and the leaderboard, survive a failing model, continue
portfolios across jobs, and resume a job after SIGKILL with the same ledger as an uninterrupted run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .server import Server, cli, write_config

pytestmark = pytest.mark.slow

BASELINES = [
    {"signature": "ew", "provider": "baseline", "strategy": "equal_weight"},
    {"signature": "idle", "provider": "baseline", "strategy": "cash"},
]
SCRIPTED = {
    "signature": "scripted-mom",
    "basemodel": "scripted/momentum_lite",
    "provider": "scripted",
    "script": "momentum_lite",
    "latency_ms": 40,
}
DEAD = {
    "signature": "dead",
    "basemodel": "gpt-x",
    "provider": "openai",
    "openai_base_url": "http://127.0.0.1:9/v1",
    "openai_api_key": "sk-test-never-shown",
}


def _values(server: Server, start: str, end: str) -> dict[str, list[tuple]]:
    body = server.http.get("/results", params={"start_date": start, "end_date": end, "detail": "full"}).json()
    return {
        r["model"]: [
            (d["date"], d["positions"], d["daily_pnl"], [(t["action"], t["symbol"], t["amount"]) for t in d["trades"]])
            for d in r["days"]
        ]
        for r in body["results"]
    }


@pytest.mark.both_engines
def test_jobs_results_and_carry_over(e2e_root):
    cfg = write_config(e2e_root, "main.json", BASELINES + [SCRIPTED], "2025-06-30")
    server = Server(e2e_root)
    try:
        http = server.http
        first = http.post("/simulate/trigger", json={"config_path": f"configs/{cfg}", "end_date": "2025-07-15"})
        assert first.status_code == 202, first.text
        job = first.json()
        assert job["date_range"][0] == "2025-07-01" and job["date_range"][-1] == "2025-07-15"
        assert "2025-07-04" not in job["date_range"]  # Independence Day
        assert job["total_model_days"] == 3 * len(job["date_range"]) == 30
        again = http.post("/simulate/trigger", json={"config_path": cfg, "end_date": "2025-07-15"})
        if again.json().get("status") != "current":  # the job may already have finished on a fast machine
            assert again.status_code == 200 and again.json()["job_id"] == job["job_id"]
            other = http.post(
                "/simulate/trigger", json={"config_path": cfg, "start_date": "2025-07-21", "end_date": "2025-07-25"}
            )
            assert other.status_code == 409 and other.json()["current_job_id"] == job["job_id"]

        done = server.wait_job(job["job_id"])
        assert done["status"] == "completed", done
        assert done["progress"]["completed"] == 30 and done["progress"]["current"] is None
        assert [(d["date"], d["model"]) for d in done["progress"]["details"]] == sorted(
            (d, m) for d in job["date_range"] for m in ("ew", "idle", "scripted-mom")
        )

        day = http.get("/results", params={"date": "2025-07-08"}).json()
        by = {r["model"]: r for r in day["results"]}
        assert set(by) == {"ew", "idle", "scripted-mom"}
        assert by["idle"]["positions"] == {"CASH": 10000.0}
        assert len(by["ew"]["positions"]) > 10 and by["ew"]["positions"]["CASH"] >= 0
        full = http.get("/results", params={"date": "2025-07-01", "model": "scripted-mom", "detail": "full"}).json()
        [r] = full["results"]
        assert r["ai_reasoning"]["total_steps"] >= 1 and r["ai_reasoning"]["stop_signal_received"] is True
        assert r["usage"]["prompt_tokens"] > 0
        # the real path of the file, under DATA_DIR (here <e2e_root>/data) whatever its name
        assert r["log_file_path"] == str(e2e_root / "data/agent_data/scripted-mom/log/2025-07-01/log.jsonl")
        assert Path(r["log_file_path"]).is_file()
        ew_first = http.get("/results", params={"date": "2025-07-01", "model": "ew", "detail": "full"}).json()
        assert ew_first["results"][0]["trades"] and all(t["action"] == "buy" for t in ew_first["results"][0]["trades"])

        rng = http.get("/results", params={"start_date": "2025-07-01", "end_date": "2025-07-15"}).json()
        for res in rng["results"]:
            assert [d["date"] for d in res["days"]] == job["date_range"]
            assert res["metrics"]["days"] == 10 and res["metrics"]["benchmark"]["symbol"] == "QQQ"
        by_job = http.get("/results", params={"job_id": job["job_id"]}).json()
        assert (by_job["start_date"], by_job["end_date"]) == ("2025-07-01", "2025-07-15")

        current = http.get("/simulate/current").json()
        assert current["job_id"] == job["job_id"] and "details" not in current["progress"]
        perf = http.get("/performance").json()
        assert {r["model"] for r in perf["leaderboard"]} == {"ew", "idle", "scripted-mom"}
        assert perf["benchmark"]["symbol"] == "QQQ"
        # the CLI answers the same as the API
        cli_perf = json.loads(cli(e2e_root, "performance", "--json").stdout)
        assert cli_perf["leaderboard"] == perf["leaderboard"]

        # a catch-up job (no dates) continues every portfolio exactly where it ended
        before = _values(server, "2025-07-15", "2025-07-15")
        later = http.post("/simulate/trigger", json={"config_path": cfg})
        assert later.status_code == 202, later.text
        assert later.json()["date_range"][0] == "2025-07-16" and later.json()["date_range"][-1] == "2025-07-31"
        assert server.wait_job(later.json()["job_id"])["status"] == "completed"
        after = _values(server, "2025-07-16", "2025-07-16")
        for sig, [(_, pos15, pnl15, _)] in before.items():
            [(_, pos16, pnl16, trades16)] = after[sig]
            expected = dict(pos15)
            for action, symbol, amount in trades16:
                expected[symbol] = expected.get(symbol, 0) + (amount if action == "buy" else -amount)
            assert {s: n for s, n in expected.items() if s != "CASH" and n} == {
                s: n for s, n in pos16.items() if s != "CASH"
            }, sig
            if not trades16:
                assert pos16["CASH"] == pos15["CASH"]
            assert pnl16["profit"] == pytest.approx(pnl16["portfolio_value"] - pnl15["portfolio_value"], abs=0.011)

        # the second catch-up: nothing left to do
        up = http.post("/simulate/trigger", json={"config_path": cfg})
        assert up.status_code == 200 and up.json()["status"] == "current", up.text
        assert up.json()["last_simulation_date"] == "2025-07-31"

        # a model pointed at a dead endpoint fails its days; the others complete; the job ends partial
        bad = write_config(
            e2e_root,
            "dead.json",
            [DEAD, {"signature": "idle2", "provider": "baseline", "strategy": "cash"}],
            "2025-06-30",
        )
        partial = http.post("/simulate/trigger", json={"config_path": bad, "end_date": "2025-07-03"})
        assert partial.status_code == 202, partial.text
        end = server.wait_job(partial.json()["job_id"])
        assert end["status"] == "partial", end
        details = {(d["date"], d["model"]): d for d in end["progress"]["details"]}
        assert all(details[(d, "idle2")]["status"] == "completed" for d in ("2025-07-01", "2025-07-02", "2025-07-03"))
        assert details[("2025-07-01", "dead")]["status"] == "failed" and details[("2025-07-01", "dead")]["error"]
        assert details[("2025-07-02", "dead")]["status"] == "skipped"
        assert "sk-test-never-shown" not in json.dumps(end)
        # and nothing blocks the next trigger
        assert http.post("/simulate/trigger", json={"config_path": cfg}).json()["status"] == "current"
    finally:
        server.stop()
    assert "sk-test-never-shown" not in (e2e_root / f"server-{server.port}.log").read_text(errors="replace")
    audit = [json.loads(line) for line in (e2e_root / "data" / "api_audit.log").read_text().splitlines()]
    assert audit[0]["action"] == "trigger" and audit[0]["client"] == "127.0.0.1" and audit[0]["status"] == 202


KILL_MODELS = [
    dict(SCRIPTED, signature="k-mom", latency_ms=60),
    {"signature": "k-ew", "provider": "baseline", "strategy": "equal_weight"},
]


@pytest.mark.both_engines
def test_sigkill_mid_job_then_restart_completes_with_same_ledger(e2e_root, tmp_path_factory, imported_root):
    cfg = write_config(e2e_root, "kill.json", KILL_MODELS, "2025-06-30")
    server = Server(e2e_root)
    try:
        resp = server.http.post("/simulate/trigger", json={"config_path": cfg})
        assert resp.status_code == 202, resp.text
        job_id, total = resp.json()["job_id"], resp.json()["total_model_days"]
        assert total == 2 * 22  # 2025-07-01 .. 2025-07-31
        mid = server.wait_job(job_id, condition=lambda b: b["progress"]["completed"] >= 8)
        assert mid["status"] == "running" and mid["progress"]["completed"] < total, mid["progress"]
    finally:
        server.kill()
    server = Server(e2e_root)
    try:
        done = server.wait_job(job_id)
        assert done["status"] == "completed", done
        assert done["progress"]["completed"] == total
        resumed = _values(server, "2025-07-01", "2025-07-31")
    finally:
        server.stop()

    # the same config run uninterrupted in a fresh data directory (batch mode, same engine)
    ref = tmp_path_factory.mktemp("reference")
    import shutil

    shutil.copytree(imported_root / "data", ref / "data")
    (ref / "configs").mkdir()
    write_config(ref, "kill.json", KILL_MODELS, "2025-06-30")
    cli(ref, "run", str(ref / "configs" / "kill.json"))
    expected = {
        r["model"]: [
            (d["date"], d["positions"], d["daily_pnl"], [(t["action"], t["symbol"], t["amount"]) for t in d["trades"]])
            for d in r["days"]
        ]
        for r in json.loads(
            cli(ref, "results", "--start", "2025-07-01", "--end", "2025-07-31", "--detail", "full", "--json").stdout
        )["results"]
    }
    assert resumed == expected

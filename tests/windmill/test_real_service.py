"""The Windmill scripts and the daily_simulation flow against the REAL service: `ai-trader serve --no-mcp` in a
subprocess on a free loopback port, its DATA_DIR filled by `ai-trader data import` of the packaged NASDAQ-100 file,
a config with the three baselines and a scripted model (init_date 2025-10-10, so a catch-up runs 2025-10-13 to
2025-10-30, the last day with data). TS scripts run under Bun; Python scripts in-process with WM_MOCKED_API_FILE
and the real PostgreSQL.

One service is shared by the tests of this module; each test uses its own config whose signatures carry a
prefix, so no test sees another's portfolios. A second service with API_KEY set checks the 401. The 5xx comes
from a tiny stand-in (the real service has no way to be told to fail); its 500 is also covered in
test_ts_scripts.py.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.servers import HttpThread, free_port
from tests.windmill.conftest import SCRIPTS, load_script
from tests.windmill.flow_walker import Walker

pytestmark = pytest.mark.slow

AI_TRADER = Path(sys.executable).parent / "ai-trader"
TRIGGER = SCRIPTS / "trigger_simulation.ts"
POLL = SCRIPTS / "poll_simulation_status.ts"
TERMINAL = ("completed", "partial", "failed", "cancelled")
API_KEY = "wm-test-key"
CATCH_UP = [
    "2025-10-13",
    "2025-10-14",
    "2025-10-15",
    "2025-10-16",
    "2025-10-17",
    "2025-10-20",
    "2025-10-21",
    "2025-10-22",
    "2025-10-23",
    "2025-10-24",
    "2025-10-27",
    "2025-10-28",
    "2025-10-29",
    "2025-10-30",
]


# ---- the real service ------------------------------------------------------------------------------------------


def service_env(root: Path, port: int = 0, api_key: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "API_", "WM_"))}
    env.update(
        {
            "DATA_DIR": str(root / "data"),
            "CONFIGS_DIR": str(root / "configs"),
            "API_HOST": "127.0.0.1",
            "LOG_FORMAT": "json",
            "WORKER_POLL_SECONDS": "0.1",
            "SHUTDOWN_GRACE_SECONDS": "2",
            "AUTO_DOWNLOAD_PRICE_DATA": "false",
        }
    )
    if port:  # (0 is no port: API_PORT must be 1-65535; CLI commands that serve nothing leave it unset)
        env["API_PORT"] = str(port)
    if api_key:
        env["API_KEY"] = api_key
    return env


def write_config(root: Path, prefix: str, *, latency_ms: float = 0.0) -> str:
    """Three baselines + one scripted model, signatures prefixed; returns the file name inside CONFIGS_DIR."""
    models = [
        {"signature": f"{prefix}equal-weight", "provider": "baseline", "strategy": "equal_weight"},
        {"signature": f"{prefix}momentum", "provider": "baseline", "strategy": "momentum"},
        {"signature": f"{prefix}cash", "provider": "baseline", "strategy": "cash"},
        {
            "signature": f"{prefix}scripted-momentum",
            "basemodel": "scripted/momentum_lite",
            "provider": "scripted",
            "script": "momentum_lite",
            "latency_ms": latency_ms,
        },
    ]
    cfg = {
        "agent_type": "BaseAgent",
        "date_range": {"init_date": "2025-10-10", "end_date": None},
        "models": models,
        "agent_config": {"max_steps": 8, "max_retries": 0, "base_delay": 0.0, "initial_cash": 10000.0},
    }
    name = f"{prefix}config.json"
    (root / "configs" / name).write_text(json.dumps(cfg), encoding="utf-8")
    return name


class RealService:
    """`ai-trader serve --no-mcp` on a free loopback port; `http` talks to it directly (the oracle)."""

    def __init__(self, root: Path, api_key: str | None = None):
        self.root, self.port = root, free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = root / f"serve-{self.port}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115  (closed in stop)
        self.proc = subprocess.Popen(
            [str(AI_TRADER), "serve", "--no-mcp"],
            cwd=root,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=service_env(root, self.port, api_key),
        )
        self.http = httpx.Client(
            base_url=self.base_url, timeout=15, trust_env=False, headers={"X-API-Key": api_key} if api_key else {}
        )

    def wait_healthy(self) -> RealService:
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"ai-trader serve exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if self.http.get("/health").status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"ai-trader serve did not become healthy:\n{self.output()}")
            time.sleep(0.1)

    def resource(self, with_key: bool = False) -> dict:
        """The `ai_trader_api` resource value Windmill would hand the scripts."""
        key = self.http.headers.get("X-API-Key")
        return {"base_url": self.base_url, **({"api_key": key} if with_key and key else {})}

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def wait(self, job_id: str, timeout: float = 120.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.http.get(f"/simulate/status/{job_id}").json()
            if body["status"] in TERMINAL:
                return body
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} still {body['status']}: {body['progress']}\n{self.output()}")

    def values(self, start: str, end: str, prefix: str) -> dict[str, dict[str, float]]:
        """GET /results for a range: {model: {date: portfolio_value}} for the models of one test."""
        resp = self.http.get("/results", params={"start_date": start, "end_date": end, "detail": "minimal"})
        assert resp.status_code == 200, resp.text
        return {
            r["model"]: {d["date"]: d["daily_pnl"]["portfolio_value"] for d in r["days"]}
            for r in resp.json()["results"]
            if r["model"].startswith(prefix)
        }

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.http.close()
        self._log.close()


@pytest.fixture(scope="module")
def imported_data(tmp_path_factory, nasdaq_csv) -> Path:
    """A DATA_DIR holding the packaged NASDAQ-100 prices, imported by the real CLI."""
    root = tmp_path_factory.mktemp("wm-import")
    (root / "configs").mkdir()
    done = subprocess.run(
        [str(AI_TRADER), "data", "import", str(nasdaq_csv)],
        check=False,
        env=service_env(root),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"ai-trader data import failed:\n{done.stdout}\n{done.stderr}"
    return root / "data"


def service_root(tmp_path_factory, imported_data: Path, name: str) -> Path:
    root = tmp_path_factory.mktemp(name)
    shutil.copytree(imported_data, root / "data")
    (root / "configs").mkdir()
    return root


@pytest.fixture(scope="module")
def services(tmp_path_factory, imported_data):
    """Two services started side by side (start-up is mostly imports): one open, one with API_KEY set."""
    servers = {"open": RealService(service_root(tmp_path_factory, imported_data, "wm-service"))}
    try:
        servers["keyed"] = RealService(service_root(tmp_path_factory, imported_data, "wm-keyed"), api_key=API_KEY)
        yield {name: server.wait_healthy() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
        for server in servers.values():
            server.wait_stopped()


@pytest.fixture(scope="module")
def service(services) -> RealService:
    return services["open"]


@pytest.fixture(scope="module")
def keyed_service(services) -> RealService:
    return services["keyed"]


def db_rows(postgres: dict, table: str) -> list[tuple]:
    with psycopg.connect(**{k: v for k, v in postgres.items() if v != ""}) as conn:
        return conn.execute(
            f"SELECT model, trade_date::text, job_id, cash, portfolio_value, daily_profit, "
            f'daily_return_pct, positions FROM "{table}" ORDER BY model, trade_date'
        ).fetchall()


# ---- trigger_simulation.ts / poll_simulation_status.ts ---------------------------------------------------------


def test_trigger_and_poll_through_a_job_lifecycle(service, run_ts):
    """202 new job -> 200 same job in progress -> 409 for another range -> poll running -> completed with
    results -> 200 current (skipped). The scripted model's latency keeps the job running for several seconds."""
    cfg = write_config(service.root, "ts-", latency_ms=150)
    api = service.resource()
    models = ["ts-equal-weight", "ts-momentum", "ts-cash", "ts-scripted-momentum"]

    ok, new = run_ts(TRIGGER, api, cfg, "", "2025-10-22")
    assert ok, new
    assert new["action"] == "triggered" and new["created"] is True and new["status"] == "accepted"
    assert new["date_range"] == CATCH_UP[:8] and new["models"] == models
    job_id = new["job_id"]

    ok, again = run_ts(TRIGGER, api, cfg, "", "2025-10-22")
    assert ok, again
    assert again["action"] == "triggered", f"the job ended before the second trigger: {again}"
    assert again["created"] is False and again["job_id"] == job_id and again["status"] in ("pending", "running")

    ok, error = run_ts(TRIGGER, api, cfg, "2025-10-23", "2025-10-30")
    assert not ok
    assert "HTTP 409 conflict" in error and f"(running job: {job_id})" in error

    ok, running = run_ts(POLL, api, job_id)
    assert ok, running
    assert running["status"] in ("pending", "running") and running["terminal"] is False
    assert running["results"] is None and running["progress"]["total_model_days"] == 32

    assert service.wait(job_id)["status"] == "completed", service.output()
    ok, done = run_ts(POLL, api, job_id)
    assert ok, done
    assert done["status"] == "completed" and done["terminal"] is True and done["error"] is None
    assert done["progress"]["completed"] == 32
    got = {
        r["model"]: {d["date"]: d["daily_pnl"]["portfolio_value"] for d in r["days"]}
        for r in done["results"]["results"]
    }
    assert got == service.values(CATCH_UP[0], CATCH_UP[7], "ts-")
    assert sorted(got) == sorted(models) and all(list(v) == CATCH_UP[:8] for v in got.values())

    ok, current = run_ts(TRIGGER, api, cfg, "", "2025-10-22")
    assert ok, current
    assert current["action"] == "skipped" and current["last_date"] == "2025-10-22"
    assert current["next_trading_day"] == "2025-10-23"
    assert current["message"] == "Simulation already up-to-date"

    ok, latest = run_ts(POLL, api)  # no job id: GET /simulate/current, the newest job
    assert ok and latest["job_id"] == job_id and latest["status"] == "completed"
    ok, missing = run_ts(POLL, api, "no-such-job")
    assert ok and missing["status"] == "not_found" and missing["terminal"] is True


def test_api_key_required_when_the_service_has_one(keyed_service, run_ts):
    cfg = write_config(keyed_service.root, "key-")
    ok, error = run_ts(TRIGGER, keyed_service.resource(), cfg, "", "2025-10-14")
    assert not ok and "HTTP 401 unauthorized" in error
    assert keyed_service.http.get("/simulate/jobs").json()["count"] == 0  # nothing was queued
    ok, error = run_ts(POLL, keyed_service.resource(), "")
    assert not ok and "HTTP 401 unauthorized" in error

    ok, new = run_ts(TRIGGER, keyed_service.resource(with_key=True), cfg, "", "2025-10-14", ["key-cash"])
    assert ok, new
    assert new["action"] == "triggered" and new["created"] is True
    assert new["date_range"] == CATCH_UP[:2] and new["models"] == ["key-cash"]
    keyed_service.wait(new["job_id"])
    ok, done = run_ts(POLL, keyed_service.resource(with_key=True), new["job_id"])
    assert ok and done["status"] == "completed"
    assert [d["daily_pnl"]["portfolio_value"] for d in done["results"]["results"][0]["days"]] == [10000.0, 10000.0]


class _Failing(http.server.BaseHTTPRequestHandler):
    """502 from a proxy in front of a dead service (HTML), 503 in the real service's own error shape."""

    def _answer(self):
        if self.path.startswith("/simulate/trigger"):
            body, ctype, code = b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", 502
        else:
            body = json.dumps({"error": "service_unavailable", "message": "the service is starting or stopping"})
            body, ctype, code = body.encode(), "application/json", 503
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def failing_server():
    with HttpThread(_Failing) as server:
        yield server.base


def test_5xx_fails_the_step_with_the_status_and_body(failing_server, run_ts):
    ok, error = run_ts(TRIGGER, {"base_url": failing_server})
    assert not ok and "failed with HTTP 502" in error and "502 Bad Gateway" in error  # body shown
    ok, error = run_ts(POLL, {"base_url": failing_server}, "some-job")
    assert not ok  # a 503 is an outage, never mistaken for "not_found" or a finished job
    assert "HTTP 503 service_unavailable: the service is starting or stopping" in error


# ---- store_simulation_results.py against the real service's results --------------------------------------------


def test_storing_a_real_job_twice_writes_no_duplicates(service, run_ts, table, postgres):
    cfg = write_config(service.root, "py-")
    resp = service.http.post("/simulate/trigger", json={"config_path": cfg, "end_date": "2025-10-17"})
    assert resp.status_code == 202, resp.text
    job_id = resp.json()["job_id"]
    assert service.wait(job_id)["status"] == "completed"
    ok, job = run_ts(POLL, service.resource(), job_id)  # exactly what the flow hands the store step
    assert ok, job

    store = load_script("store_simulation_results")
    first = store.main(job, table=table)
    assert first == {"job_id": job_id, "table": table, "rows_received": 20, "rows_written": 20}
    stored = db_rows(postgres, table)
    again = store.main(job, table=table)
    assert again["rows_received"] == 20
    assert [r[:7] for r in db_rows(postgres, table)] == [r[:7] for r in stored]  # same 20 rows, no duplicates

    full = service.http.get("/results", params={"start_date": "2025-10-13", "end_date": "2025-10-17"}).json()
    expected = sorted(
        (
            r["model"],
            d["date"],
            job_id,
            d["positions"].get("CASH"),
            d["daily_pnl"]["portfolio_value"],
            d["daily_pnl"]["profit"],
            d["daily_pnl"]["return_pct"],
            d["positions"],
        )
        for r in full["results"]
        if r["model"].startswith("py-")
        for d in r["days"]
    )
    assert sorted(stored) == expected


# ---- the flow, step by step, against the live service ----------------------------------------------------------


def test_flow_steps_against_the_live_service(service, bun, run_ts, table):
    cfg = write_config(service.root, "flow-")
    walker = Walker(
        bun, run_ts, resources={"f/ai_trader/api": service.resource()}, overrides={"store": {"table": table}}
    )
    walk = walker.walk({"config_path": cfg, "poll_interval_seconds": 60, "max_polls": 500})

    trigger = walk.results["trigger"]
    assert trigger["action"] == "triggered" and trigger["created"] is True and trigger["date_range"] == CATCH_UP
    polls = walk.results["wait_for_job"]
    assert polls[-1]["status"] == "completed" and all(not p["terminal"] for p in polls[:-1])
    assert walk.sleeps == [0] + [60] * (len(polls) - 1)
    assert walk.branch == "Job completed or partial"
    assert walk.results["store"]["rows_written"] == 4 * len(CATCH_UP)

    oracle = service.values(CATCH_UP[0], CATCH_UP[-1], "flow-")
    assert sorted(oracle) == ["flow-cash", "flow-equal-weight", "flow-momentum", "flow-scripted-momentum"]

    traces = load_script("get_timeseries").main(table=table)
    assert {t["name"]: dict(zip(t["x"], t["y"], strict=True)) for t in traces} == {
        m: {d: round(v, 2) for d, v in days.items()} for m, days in oracle.items()
    }

    perf = {p["model"]: p for p in load_script("get_latest_performance").main(table=table)}
    assert set(perf) == set(oracle)
    for model, days in oracle.items():
        assert perf[model]["date"] == "2025-10-30" and perf[model]["days"] == len(CATCH_UP)
        assert perf[model]["portfolio_value"] == round(days["2025-10-30"], 2)
        assert perf[model]["total_return_pct"] == pytest.approx((days["2025-10-30"] / 10000 - 1) * 100, abs=1e-3)
    assert perf["flow-cash"]["portfolio_value"] == 10000.0 and perf["flow-cash"]["total_return_pct"] == 0

    again = walker.walk({"config_path": cfg})  # the next scheduled run: nothing to do, nothing stored
    assert again.stopped_after == "trigger" and again.results["trigger"]["action"] == "skipped"
    assert again.results["trigger"]["last_date"] == "2025-10-30"

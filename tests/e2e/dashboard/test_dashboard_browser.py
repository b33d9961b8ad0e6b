"""The dashboard against the REAL service in headless Chromium.

Data comes the way a user makes it: `ai-trader data import` of the packaged NASDAQ-100 file and `ai-trader run` of a
short baselines job into a temp DATA_DIR; then `create_app` (which includes the dashboard router) serves it with
uvicorn on loopback. The page must show what /performance and /results say.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ai_trader.api.app import create_app
from ai_trader.settings import Settings

from .expect import READ_HOLDINGS, READ_LEADERBOARD, expected_rows, money, wait_loaded
from .harness import serve

START, END = "2025-06-04", "2025-06-17"  # QQQ has no bar on 2025-06-02 in the packaged data
BASELINES = [("equal-weight", "equal_weight"), ("momentum", "momentum"), ("cash", "cash")]
CUTOFF = "2025-06-10"  # equal-weight's knowledge cutoff: its days up to 06-10 are in its training window


def _cli(*args: str, cwd: Path) -> None:
    exe = Path(sys.executable).with_name("ai-trader")
    done = subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, f"ai-trader {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


@pytest.fixture(scope="module")
def data_root(tmp_path_factory, nasdaq_csv) -> Path:
    root = tmp_path_factory.mktemp("dashboard-real")
    (root / "configs").mkdir()
    config = {
        "agent_type": "BaseAgent",
        "date_range": {"init_date": START, "end_date": END},
        "models": [
            {"name": sig, "signature": sig, "provider": "baseline", "strategy": strat, "enabled": True}
            | ({"knowledge_cutoff": CUTOFF} if sig == "equal-weight" else {})
            for sig, strat in BASELINES
        ],
        "agent_config": {"max_steps": 30, "max_retries": 3, "base_delay": 1.0, "initial_cash": 10000.0},
    }
    (root / "configs" / "baselines.json").write_text(json.dumps(config))
    _cli("data", "import", str(nasdaq_csv), "--data-dir", str(root / "data"), "--json", cwd=root)
    _cli(
        "run",
        str(root / "configs" / "baselines.json"),
        "--start",
        START,
        "--end",
        END,
        "--data-dir",
        str(root / "data"),
        cwd=root,
    )
    return root


def _app(root: Path, **kw):
    settings = Settings(
        _env_file=None,
        data_dir=root / "data",
        configs_dir=root / "configs",
        log_format="console",
        mcp_enabled=False,
        **kw,
    )
    return create_app(settings, start_worker=False)


def test_dashboard_shows_the_real_service(page, data_root, tmp_path):
    with serve(_app(data_root)) as url:
        perf = httpx.get(f"{url}/performance").json()
        assert {r["model"] for r in perf["leaderboard"]} == {sig for sig, _ in BASELINES}
        page.goto(f"{url}/")
        wait_loaded(page)

        # leaderboard: every signature, same order and numbers as /performance
        shown = page.evaluate(READ_LEADERBOARD)
        assert [r["signature"] for r in shown] == [r["model"] for r in perf["leaderboard"]]
        assert {r["signature"]: r for r in shown} == expected_rows(perf)
        bench = page.locator("[data-testid=benchmark-row] td[data-col=cumulative_return]")
        assert float(bench.get_attribute("data-value")) == perf["benchmark"]["cumulative_return"]

        # the chart: a series per signature plus QQQ, whose last point is the benchmark's end value
        chart = page.locator("[data-testid=portfolio-chart]")
        assert chart.get_attribute("data-series-count") == str(len(BASELINES) + 1)
        names = json.loads(chart.get_attribute("data-series-names"))
        assert sorted(names) == sorted([sig for sig, _ in BASELINES] + ["QQQ"])
        with page.expect_download() as dl:
            page.click("[data-testid=export-csv]")
        csv = Path(dl.value.path()).read_text().splitlines()
        header, last = csv[0].split(","), csv[-1].split(",")
        assert last[0] == perf["end_date"] and len(csv) == 1 + perf["leaderboard"][0]["days"]
        assert float(last[header.index("QQQ")]) == pytest.approx(perf["benchmark"]["end_value"], abs=0.01)
        for row in perf["leaderboard"]:
            assert float(last[header.index(row["model"])]) == row["final_value"]

        # switching to a signature shows its end-of-range holdings, weights at the day's closes
        page.select_option("[data-testid=signature-select]", "equal-weight")
        page.wait_for_selector("#signature-card[data-signature='equal-weight'][data-loaded=true]")
        day = httpx.get(f"{url}/results", params={"date": perf["end_date"], "model": "equal-weight"}).json()
        positions = day["results"][0]["positions"]
        holdings = page.evaluate(READ_HOLDINGS)
        assert {h["symbol"] for h in holdings} == set(positions) and len(holdings) > 2
        assert sum(h["weight"] for h in holdings) == pytest.approx(1.0, abs=1e-6)
        assert next(h for h in holdings if h["symbol"] == "CASH")["value"] == money(positions["CASH"])
        assert page.locator("[data-testid=trade-row]").count() > 0
        assert page.locator("[data-testid=day-row]").count() == perf["leaderboard"][0]["days"]
        # its days on or before its knowledge cutoff are marked, as /results says
        days = httpx.get(f"{url}/results", params={"start_date": START, "end_date": END, "model": "equal-weight"})
        marked = [d["date"] for d in days.json()["results"][0]["days"] if d["in_training_window"]]
        assert marked and all(d <= CUTOFF for d in marked)
        shown_marked = page.locator("[data-testid=day-row][data-training-window=true]")
        assert sorted(shown_marked.evaluate_all("rows => rows.map(r => r.dataset.date)")) == marked
        assert shown_marked.first.locator("[data-testid=training-window]").inner_text() == "in training window"
        assert next(r for r in shown if r["signature"] == "equal-weight")["knowledge_cutoff"] == CUTOFF

        # jobs: the completed `ai-trader run` job
        assert page.locator("[data-testid=current-job-status]").inner_text() == "completed"
        assert page.locator("[data-testid=job-row]").count() == 1
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        assert page.errors == []
        assert page.csp_violations == []  # the page works under the service's Content-Security-Policy


def test_the_api_docs_render_offline_under_the_csp(page, data_root):
    with serve(_app(data_root)) as url:
        page.goto(f"{url}/docs")
        page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)  # rendered from /openapi.json
        assert page.locator(".swagger-ui .opblock").count() >= 10
        page.goto(f"{url}/redoc")
        page.wait_for_selector("h1:has-text('AI-Trader')", timeout=30_000)  # the spec's title, rendered
        assert page.get_by_text("/simulate/trigger").count() >= 1
        assert page.errors == []
        # ReDoc's footer wants its logo from its CDN: the policy blocks it (nothing is fetched from outside)
        assert [v for v in page.csp_violations if "https://cdn.redoc.ly/" not in v] == []


def test_real_service_with_api_key(page, data_root):
    with serve(_app(data_root, api_key="k-123")) as url:
        assert httpx.get(f"{url}/performance").status_code == 401
        page.goto(f"{url}/dashboard")
        page.locator("[data-testid=api-key-form]").wait_for(state="visible")
        page.fill("[data-testid=api-key-input]", "k-123")
        page.click("#api-key-form button")
        wait_loaded(page)
        assert page.locator("[data-testid=leaderboard-row]").count() == len(BASELINES)
        assert page.get_attribute("[data-testid=portfolio-chart]", "data-series-count") == str(len(BASELINES) + 1)
        holdings = page.evaluate(READ_HOLDINGS)  # the dashboard's own price route accepted the key too
        assert holdings and all(h["weight"] is not None for h in holdings)
        assert page.csp_violations == []

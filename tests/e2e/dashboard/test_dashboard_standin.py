"""The dashboard in headless Chromium against a stand-in API (synthetic, self-consistent data in api.md shapes)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ai_trader.settings import Settings

from .expect import READ_HOLDINGS, READ_LEADERBOARD, expected_rows, money, wait_loaded
from .harness import serve
from .standin import build_world, create_standin_app, sample_job


def _settings(tmp_path, **kw) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", configs_dir=tmp_path, **kw)


@pytest.fixture
def world():
    return build_world(n_signatures=6, n_days=25)


def test_leaderboard_chart_signature_and_jobs(page, tmp_path, world):
    app = create_standin_app(_settings(tmp_path), world, jobs=[sample_job(world, list(world.days))])
    with serve(app) as url:
        perf = httpx.get(f"{url}/performance").json()
        page.goto(f"{url}/dashboard")
        wait_loaded(page)

        # leaderboard: every signature, in /performance order, numbers as /performance gives them
        shown = page.evaluate(READ_LEADERBOARD)
        assert [r["signature"] for r in shown] == [r["model"] for r in perf["leaderboard"]]
        assert {r["signature"]: r for r in shown} == expected_rows(perf)
        # "never used a tool" is visible per signature: flagged (and explained) on the dashboard too
        broken = next(iter(world.days))
        cell = page.locator(f"[data-testid=leaderboard-row][data-signature='{broken}'] td[data-col=no_tool_use]")
        assert cell.inner_text() == f"3 of {len(world.days[broken])} days"
        assert "warn" in (cell.get_attribute("class") or "") and "broken" in (cell.get_attribute("title") or "")

        # sorting by a header: descending, then ascending
        page.click("#leaderboard th[data-key=sharpe]")
        sharpe = {r["model"]: r["metrics"]["sharpe"] for r in perf["leaderboard"]}
        order = [r["signature"] for r in page.evaluate(READ_LEADERBOARD)]
        assert order == sorted(sharpe, key=lambda s: -sharpe[s])
        page.click("#leaderboard th[data-key=sharpe]")
        assert [r["signature"] for r in page.evaluate(READ_LEADERBOARD)] == order[::-1]

        # one chart: a series per signature plus QQQ, drawn on a canvas (no per-point DOM)
        chart = page.locator("[data-testid=portfolio-chart]")
        assert chart.get_attribute("data-series-count") == str(len(world.days) + 1)
        names = page.eval_on_selector_all("[data-testid=legend-item]", "els => els.map(e => e.dataset.series)")
        assert sorted(names) == sorted([*world.days, "QQQ"])
        assert page.locator("#portfolio-chart canvas").count() == 1
        page.check("[data-testid=log-scale]")
        assert chart.get_attribute("data-scale") == "log"
        assert chart.get_attribute("data-rendered") == "true"

        # CSV export of the plotted series
        with page.expect_download() as dl:
            page.click("[data-testid=export-csv]")
        lines = Path(dl.value.path()).read_text().splitlines()
        assert lines[0].split(",")[0] == "date" and "QQQ" in lines[0].split(",")
        assert len(lines) == 1 + len(world.dates) - 1

        # switching to a signature (row click) shows its holdings with weights that add up with cash
        last = perf["leaderboard"][-1]["model"]
        page.click(f"[data-testid=leaderboard-row][data-signature='{last}']")
        page.wait_for_selector(f"#signature-card[data-signature='{last}'][data-loaded=true]")
        day = world.days[last][-1]
        holdings = page.evaluate(READ_HOLDINGS)
        assert {h["symbol"] for h in holdings} == set(day["positions"])
        assert sum(h["weight"] for h in holdings) == pytest.approx(1.0, abs=1e-6)
        cash = next(h for h in holdings if h["symbol"] == "CASH")
        assert cash["value"] == money(day["positions"]["CASH"])
        assert page.locator("[data-testid=trade-row]").count() == len(world.days[last][0]["trades"])
        assert page.locator("[data-testid=day-row]").count() == len(world.days[last])
        assert "kept its positions" in page.locator("[data-testid=day-row]").first.inner_text()

        # jobs: the current job's progress and the recent list
        assert page.locator("[data-testid=current-job-status]").inner_text() == "running"
        assert page.locator("[data-testid=job-row]").count() == 1
        page.screenshot(path=str(tmp_path / "dashboard_standin.png"), full_page=True)
        assert page.errors == []


def test_asks_for_the_api_key_once_and_sends_it(page, tmp_path, world):
    app = create_standin_app(_settings(tmp_path, api_key="s3cret-key"), world)
    with serve(app) as url:
        sent: list[str | None] = []
        page.on("request", lambda r: sent.append(r.headers.get("x-api-key")) if "/performance" in r.url else None)
        page.goto(f"{url}/")
        form = page.locator("[data-testid=api-key-form]")
        form.wait_for(state="visible")
        page.fill("[data-testid=api-key-input]", "wrong")
        page.click("#api-key-form button")
        page.wait_for_function("document.getElementById('api-key-message').textContent.includes('rejected')")
        form.wait_for(state="visible")
        page.fill("[data-testid=api-key-input]", "s3cret-key")
        page.click("#api-key-form button")
        wait_loaded(page)
        assert page.locator("[data-testid=leaderboard-row]").count() == len(world.days)
        assert page.evaluate("sessionStorage.getItem('aiTraderApiKey')") == "s3cret-key"
        assert sent[0] is None and sent[-1] == "s3cret-key"
        # the key survives a reload of the tab: no second prompt
        page.reload()
        wait_loaded(page)
        assert not form.is_visible()


def test_many_signatures_stay_one_canvas(page, tmp_path):
    world = build_world(n_signatures=100, n_days=20)
    app = create_standin_app(_settings(tmp_path), world)
    with serve(app) as url:
        page.goto(f"{url}/")
        wait_loaded(page)
        assert page.locator("[data-testid=leaderboard-row]").count() == 100
        assert page.get_attribute("[data-testid=portfolio-chart]", "data-series-count") == "101"
        assert page.locator("#portfolio-chart canvas").count() == 1
        assert page.locator("#portfolio-chart svg, #portfolio-chart path").count() == 0


def test_assets_are_local_and_confined(tmp_path, world):
    """The page references only local assets; the static route serves nothing outside its folder."""
    from fastapi.testclient import TestClient

    with TestClient(create_standin_app(_settings(tmp_path), world)) as client:
        page = client.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "http://" not in page.text and "https://" not in page.text
        js = client.get("/dashboard/static/uPlot.iife.min.js")
        assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
        for bad in ("..%2Fprices.py", "..%2F__init__.py", ".hidden", "nope.js"):
            r = client.get(f"/dashboard/static/{bad}")
            assert r.status_code == 404 and "import" not in r.text
        bench = client.get(
            "/dashboard/data/benchmark", params={"start_date": world.dates[1], "end_date": world.dates[-1]}
        )
        assert [p["date"] for p in bench.json()["series"]] == world.dates[1:]
        bad = client.get("/dashboard/data/benchmark", params={"start_date": "2025-02-30", "end_date": world.dates[-1]})
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_date"

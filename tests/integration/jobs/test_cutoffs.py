"""Knowledge cutoffs (service/cutoffs.py): model-days on or before a model entry's `knowledge_cutoff` are "in
training window" in /results; /results ranges and /performance report the metrics of the post-cutoff days alone next
to all days, and the leaderboard shows each signature's cutoff; a trigger with `post_cutoff_only` runs only the days
after it. Numbers recomputed here from the packaged CSV and the committed ledger."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ai_trader.api.app import create_app
from ai_trader.cli import app as cli_app
from ai_trader.errors import InvalidConfig
from ai_trader.jobs.worker import Worker
from ai_trader.market.packaged import packaged_text
from ai_trader.market.prices import PriceView
from ai_trader.service.jobs import JobService
from ai_trader.service.performance import performance
from ai_trader.service.results import results_for_date, results_for_range
from ai_trader.store import ledger
from tests.support.jobs import trigger

from .conftest import TODAY, write_config

pytestmark = pytest.mark.both_engines

runner = CliRunner()
EQUAL = {"signature": "equal-weight", "provider": "baseline", "strategy": "equal_weight", "knowledge_cutoff": "2025-06"}
CASH = {"signature": "cash", "provider": "baseline", "strategy": "cash"}
LATE = {"signature": "late", "provider": "baseline", "strategy": "equal_weight", "knowledge_cutoff": "2025-07-01"}


def cli(settings, *args: str):
    """A CLI command against the test's store (DATABASE_URL: its PostgreSQL schema; unset: the file in DATA_DIR)."""
    env = {"DATABASE_URL": settings.database_url or ""}
    return runner.invoke(cli_app, [*args, "--data-dir", str(settings.data_dir)], env=env)


def closes(date: str) -> dict[str, Decimal]:
    return {r["symbol"]: Decimal(r["close"]) for r in csv.DictReader(io.StringIO(packaged_text())) if r["date"] == date}


def trading_days(start: str, end: str) -> list[str]:
    return sorted({r["date"] for r in csv.DictReader(io.StringIO(packaged_text())) if start <= r["date"] <= end})


def run(service, request):
    code, body = trigger(service, request)
    assert code == 202, body
    Worker(service.settings, service.store).drain()
    return body


def test_days_in_the_training_window_are_marked_and_post_cutoff_metrics_stand_next_to_all_days(settings, store):
    write_config(settings, [EQUAL, CASH])
    service = JobService(settings, store, today=lambda: TODAY)
    run(service, {"end_date": "2025-07-15"})
    prices = PriceView.load(store)
    days = trading_days("2025-06-10", "2025-07-15")
    in_window = [d for d in days if d <= "2025-06-30"]
    after = [d for d in days if d > "2025-06-30"]

    with store.read() as conn:
        eq = {d.date: d for d in ledger.model_days(conn, "equal-weight")}
    last = eq["2025-07-15"]
    c = closes("2025-07-15")
    assert last.portfolio_value == float(
        (Decimal(str(last.cash)) + sum(n * c[s] for s, n in last.positions.items())).quantize(Decimal("0.01"))
    )

    one = results_for_date(store, "2025-06-30", agent_data_dir=settings.agent_data_dir)["results"]
    flags = {r["model"]: r.get("in_training_window") for r in one}
    assert flags == {"equal-weight": True, "cash": None}  # no cutoff: no mark
    assert results_for_date(store, "2025-07-01", "equal-weight")["results"][0]["in_training_window"] is False

    rng = {r["model"]: r for r in results_for_range(store, prices, "2025-06-10", "2025-07-15")["results"]}
    e = rng["equal-weight"]
    assert [d["in_training_window"] for d in e["days"]] == [d <= "2025-06-30" for d in days]
    assert e["knowledge_cutoff"] == "2025-06" and e["training_window_days"] == len(in_window)
    post = e["post_cutoff"]
    assert (post["days"], post["first_date"]) == (len(after), after[0])
    expected = last.portfolio_value / eq["2025-06-30"].portfolio_value - 1  # from the last in-window day's value
    assert post["metrics"]["cumulative_return"] == pytest.approx(expected, abs=1e-12)
    assert post["metrics"]["trades"] == 0  # equal_weight bought on its first day, in the window
    assert e["metrics"]["cumulative_return"] == pytest.approx(last.portfolio_value / 10_000 - 1, abs=1e-12)
    assert "knowledge_cutoff" not in rng["cash"] and "post_cutoff" not in rng["cash"]

    board = {r["model"]: r for r in performance(store, prices, "2025-06-10", "2025-07-15")["leaderboard"]}
    assert board["equal-weight"]["knowledge_cutoff"] == "2025-06"
    assert board["equal-weight"]["training_window_days"] == len(in_window)
    assert board["equal-weight"]["post_cutoff"] == post  # the same numbers in both places
    assert (board["cash"]["knowledge_cutoff"], board["cash"]["post_cutoff"]) == (None, None)

    shown = cli(settings, "performance", "--start", "2025-06-10", "--end", "2025-07-15")
    assert shown.exit_code == 0, shown.output
    assert "After the knowledge cutoff" in shown.output
    line = next(x for x in shown.output.splitlines() if x.strip().startswith("equal-weight") and "2025-06" in x)
    assert f" {len(in_window)} " in line and f" {len(after)} " in line
    assert f"{post['metrics']['cumulative_return'] * 100:+.1f}%" in line
    day = cli(settings, "results", "--date", "2025-06-30")
    assert "equal-weight: 2025-06-30 is in its training window" in " ".join(day.output.split())
    assert "cash: 2025-06-30" not in day.output
    rng = cli(settings, "results", "--start", "2025-06-10", "--end", "2025-07-15")
    assert rng.exit_code == 0 and "After the knowledge cutoff" in rng.output


def test_a_trigger_can_ask_for_post_cutoff_days_only(settings, store):
    write_config(settings, [LATE, CASH])
    service = JobService(settings, store, today=lambda: TODAY)
    body = run(service, {"end_date": "2025-07-10", "post_cutoff_only": True})
    assert body["date_range"][0] == "2025-06-10"  # cash has no cutoff: every day
    with store.read() as conn:
        late = [d.date for d in ledger.model_days(conn, "late")]
        cash = [d.date for d in ledger.model_days(conn, "cash")]
    assert late == trading_days("2025-07-02", "2025-07-10")  # after 2025-07-01 only, from the initial cash
    assert cash == trading_days("2025-06-10", "2025-07-10")
    with store.read() as conn:
        first = ledger.model_days(conn, "late")[0]
    assert first.profit == pytest.approx(first.portfolio_value - 10_000, abs=0.005)


def test_a_knowledge_cutoff_must_be_a_month_or_a_date(settings, store):
    write_config(settings, [{**EQUAL, "knowledge_cutoff": "2025-13"}, {**CASH, "knowledge_cutoff": "June 2025"}])
    service = JobService(settings, store, today=lambda: TODAY)
    with pytest.raises(InvalidConfig) as err:
        service.trigger({})
    problems = {p["location"]: p["problem"] for p in err.value.details["problems"]}
    assert "must be YYYY-MM or YYYY-MM-DD, got '2025-13'" in problems["models.0.knowledge_cutoff"]
    assert "got 'June 2025'" in problems["models.1.knowledge_cutoff"]
    with pytest.raises(Exception, match="post_cutoff_only must be true or false"):
        write_config(settings, [EQUAL])
        service.trigger({"post_cutoff_only": "yes"})


def test_the_api_takes_post_cutoff_only_as_a_boolean(settings, store):
    write_config(settings, [LATE])
    api = settings.model_copy(update={"mcp_enabled": False})
    with TestClient(create_app(api, store=store, start_worker=False), raise_server_exceptions=False) as client:
        bad = client.post("/simulate/trigger", json={"post_cutoff_only": "yes", "end_date": "2025-07-10"})
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
        ok = client.post("/simulate/trigger", json={"post_cutoff_only": True, "end_date": "2025-07-10"})
        assert ok.status_code == 202, ok.json()
        assert ok.json()["date_range"] == trading_days("2025-07-02", "2025-07-10")


def test_an_up_to_date_trigger_still_records_a_changed_knowledge_cutoff(settings, store):
    """The trigger answers "up to date" from a read snapshot; a cutoff changed in the config is written anyway (the
    latest trigger wins), and a removed one is removed."""
    write_config(settings, [EQUAL])
    service = JobService(settings, store, today=lambda: TODAY)
    run(service, {"end_date": "2025-07-15"})
    prices = PriceView.load(store)

    def shown() -> str | None:
        return results_for_range(store, prices, "2025-07-01", "2025-07-15")["results"][0].get("knowledge_cutoff")

    assert shown() == "2025-06"
    write_config(settings, [{**EQUAL, "knowledge_cutoff": "2025-05"}])
    code, body = trigger(service, {"end_date": "2025-07-15"})
    assert (code, body["status"]) == (200, "current")
    assert shown() == "2025-05"
    write_config(settings, [{k: v for k, v in EQUAL.items() if k != "knowledge_cutoff"}])
    assert trigger(service, {"end_date": "2025-07-15"})[1]["status"] == "current"
    assert shown() is None

"""What a trigger refuses before any model-day runs: config problems (all at once, strict types, names the service
does not know, a replay of nothing, a log_path the service would not honour), config paths in the spec's
`configs/x.json` form whatever CONFIGS_DIR is called, and a start_date after the config's end."""

from __future__ import annotations

import json
import shutil

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ai_trader.api.app import create_app
from ai_trader.cli import app
from ai_trader.errors import InvalidConfig, InvalidConfigPath, InvalidDate
from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from ai_trader.settings import Settings
from ai_trader.store import Store
from ai_trader.store import jobs as rows
from tests.support.jobs import trigger

from .conftest import TODAY, write_config

runner = CliRunner()
ONE_DAY = {"start_date": "2025-10-30"}
MANY_PROBLEMS = [
    {"signature": "a", "provider": "baseline", "strategy": "cash", "enabled": "yes"},  # not coerced to true
    {"signature": "b", "provider": "baseline", "strategy": "yolo"},
    {"signature": "c", "provider": "scripted", "script": "nope"},
    {"signature": "d", "enabled": "no"},  # a field problem AND an entry-level one (no basemodel) in one entry
    {"signature": "a", "provider": "baseline", "strategy": "cash"},  # duplicate
    {"signature": "r", "provider": "replay"},  # replay_of missing
]
EXPECTED_LOCATIONS = {
    "models.0.enabled",
    "models.1.strategy",
    "models.2.script",
    "models.3.enabled",
    "models.3.basemodel",
    "models.4.signature",
    "models.5.replay_of",
    "agent_config.max_steps",
}


def _nothing_written(store):
    with store.read() as conn:
        assert rows.jobs(conn) == []


def _problems(exc) -> dict[str, str]:
    return {p["location"]: p["problem"] for p in exc.details["problems"]}


def test_every_config_problem_is_reported_at_once(service, settings, store):
    write_config(settings, models=MANY_PROBLEMS, name="bad.json", max_steps="5")
    with pytest.raises(InvalidConfig) as exc:
        trigger(service, {"config_path": "bad.json"})
    problems = _problems(exc.value)
    assert set(problems) == EXPECTED_LOCATIONS
    assert (
        "unknown strategy 'yolo'" in problems["models.1.strategy"] and "equal_weight" in problems["models.1.strategy"]
    )
    assert "unknown script 'nope'" in problems["models.2.script"] and "momentum_lite" in problems["models.2.script"]
    assert "duplicate signature 'a'" in problems["models.4.signature"]
    assert "valid integer" in problems["agent_config.max_steps"]
    assert "valid boolean" in problems["models.0.enabled"]
    _nothing_written(store)


def test_strict_types_are_not_coerced_but_ints_are_fine_as_floats(service, settings):
    write_config(
        settings, models=[{"signature": "cash", "provider": "baseline", "strategy": "cash"}], initial_cash=5000
    )
    code, _ = trigger(service, ONE_DAY)
    assert code == 202  # 5000 (an int) is a fine float
    for bad in ({"max_steps": 5.0}, {"max_retries": "3"}, {"initial_cash": "5000"}):
        write_config(settings, models=[{"signature": "x", "provider": "baseline", "strategy": "cash"}], **bad)
        with pytest.raises(InvalidConfig) as exc:
            trigger(service, ONE_DAY)
        assert set(_problems(exc.value)) == {f"agent_config.{next(iter(bad))}"}


def test_a_replay_of_a_signature_without_recorded_sessions_is_refused_at_trigger(service, settings, store):
    replay = {"signature": "copy", "provider": "replay", "replay_of": "cash"}
    write_config(settings, models=[replay], name="replay.json")
    with pytest.raises(InvalidConfig) as exc:
        trigger(service, {"config_path": "replay.json", **ONE_DAY})
    assert "no recorded sessions of signature 'cash'" in _problems(exc.value)["models.0.replay_of"]
    _nothing_written(store)
    # once 'cash' has a recorded day, the same trigger is accepted
    trigger(service, {"models": ["cash"], "start_date": "2025-10-29", "end_date": "2025-10-29"})
    Worker(settings, store).drain()
    code, body = trigger(service, {"config_path": "replay.json", **ONE_DAY})
    assert code == 202 and body["models"] == ["copy"]


def test_only_the_replay_entries_the_job_runs_are_checked(service, settings, store):
    entries = [
        {"signature": "cash", "provider": "baseline", "strategy": "cash"},
        {"signature": "copy", "provider": "replay", "replay_of": "ghost", "enabled": False},
        {"signature": "twin", "provider": "replay", "replay_of": "ghost"},
    ]
    write_config(settings, models=entries)
    with pytest.raises(InvalidConfig) as exc:  # {}: the enabled entries run, 'twin' among them
        trigger(service, ONE_DAY)
    assert set(_problems(exc.value)) == {"models.2.replay_of"}
    with pytest.raises(InvalidConfig) as exc:  # a disabled entry named explicitly runs too
        trigger(service, {"models": ["copy"], **ONE_DAY})
    assert set(_problems(exc.value)) == {"models.1.replay_of"}
    _nothing_written(store)
    code, body = trigger(service, {"models": ["cash"], **ONE_DAY})  # neither replay runs
    assert code == 202 and body["models"] == ["cash"]


def test_ai_trader_run_prints_every_problem_and_exits_2(settings):
    path = write_config(settings, models=MANY_PROBLEMS, name="elsewhere.json", max_steps="5")
    result = runner.invoke(app, ["run", str(path), "--data-dir", str(settings.data_dir)], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "invalid_config" in result.output and "8 problem(s)" in result.output
    for location in EXPECTED_LOCATIONS:
        assert location in result.output
    assert "Traceback" not in result.output


def _with_log_path(settings, log_path, name="default_config.json"):
    path = write_config(settings, models=[{"signature": "cash", "provider": "baseline", "strategy": "cash"}], name=name)
    data = json.loads(path.read_text())
    data["log_config"] = {"log_path": log_path}
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def store_named_settings(tmp_path, price_template):
    """DATA_DIR in a folder not named `data`, CONFIGS_DIR in one not named `configs`."""
    s = Settings(
        _env_file=None,
        data_dir=tmp_path / "trader-store",
        configs_dir=tmp_path / "competitions",
        log_format="console",
        worker_poll_seconds=0.05,
    )
    s.data_dir.mkdir()
    s.configs_dir.mkdir()
    shutil.copy(price_template, s.db_path)
    return s


@pytest.mark.parametrize("log_path", ["./data/agent_data", "data/agent_data", "agent_data", "trader-store/agent_data"])
def test_log_paths_naming_the_agent_data_folder_are_accepted(store_named_settings, log_path):
    s = store_named_settings
    _with_log_path(s, log_path)
    store = Store(s.db_path)
    try:
        assert trigger(JobService(s, store, today=lambda: TODAY), ONE_DAY)[0] == 202
    finally:
        store.close()


@pytest.mark.parametrize("log_path", ["/var/log/ai-trader", "./logs", "./data/other", "../agent_data"])
def test_other_log_paths_are_refused_naming_where_files_go(store_named_settings, log_path):
    s = store_named_settings
    _with_log_path(s, log_path)
    store = Store(s.db_path)
    try:
        with pytest.raises(InvalidConfig) as exc:
            trigger(JobService(s, store, today=lambda: TODAY), ONE_DAY)
        problem = _problems(exc.value)["log_config.log_path"]
        assert "DATA_DIR/agent_data" in problem and str(s.data_dir.resolve() / "agent_data") in problem
        _nothing_written(store)
    finally:
        store.close()


def test_the_absolute_agent_data_folder_is_accepted_and_results_name_the_real_log_file(store_named_settings):
    s = store_named_settings
    _with_log_path(s, str(s.data_dir.resolve() / "agent_data"))
    store = Store(s.db_path)
    try:
        with TestClient(create_app(s, store=store, start_worker=False), raise_server_exceptions=False) as client:
            resp = client.post("/simulate/trigger", json={"config_path": "configs/default_config.json", **ONE_DAY})
            assert resp.status_code == 202, resp.text
            Worker(s, store).drain()
            resp = client.get("/results", params={"date": "2025-10-30", "model": "cash", "detail": "full"})
            assert resp.status_code == 200, resp.text
            path = resp.json()["results"][0]["log_file_path"]
    finally:
        store.close()
    assert path == str(s.data_dir / "agent_data" / "cash" / "log" / "2025-10-30" / "log.jsonl")
    with open(path, encoding="utf-8") as f:
        assert json.loads(f.readline())["signature"] == "cash"


@pytest.mark.parametrize("config_path", ["configs/default_config.json", "competitions/default_config.json"])
def test_the_spec_form_of_config_path_works_whatever_the_configs_folder_is_called(store_named_settings, config_path):
    s = store_named_settings
    write_config(s, models=[{"signature": "cash", "provider": "baseline", "strategy": "cash"}])
    store = Store(s.db_path)
    try:
        code, body = trigger(JobService(s, store, today=lambda: TODAY), {"config_path": config_path, **ONE_DAY})
        assert code == 202
        with store.read() as conn:
            assert rows.job(conn, body["job_id"]).config_path == str(s.configs_dir.resolve() / "default_config.json")
    finally:
        store.close()


def test_configs_prefix_never_escapes_and_a_real_configs_subfolder_wins(store_named_settings, tmp_path):
    s = store_named_settings
    write_config(s, models=[{"signature": "cash", "provider": "baseline", "strategy": "cash"}])
    (tmp_path / "outside.json").write_text((s.configs_dir / "default_config.json").read_text())
    store = Store(s.db_path)
    svc = JobService(s, store, today=lambda: TODAY)
    try:
        for path in ("configs/../outside.json", "configs/../../outside.json", "competitions/../../outside.json"):
            with pytest.raises(InvalidConfigPath):
                trigger(svc, {"config_path": path, **ONE_DAY})
        sub = s.configs_dir / "configs"
        sub.mkdir()
        write_config(
            s, models=[{"signature": "sub", "provider": "baseline", "strategy": "cash"}], name="configs/x.json"
        )
        code, body = trigger(svc, {"config_path": "configs/x.json", **ONE_DAY})
        assert code == 202 and body["models"] == ["sub"]
    finally:
        store.close()


def test_a_start_date_after_the_configs_end_date_runs_to_the_data_and_past_the_data_says_so(settings, store):
    """The config's end_date caps only runs that pass it (README, "End date rule"): a start after it plans through
    the last trading day with data; a start after the data names the data's last day, which is then the cause."""
    path = write_config(settings)
    data = json.loads(path.read_text())
    data["date_range"]["end_date"] = "2025-09-30"
    path.write_text(json.dumps(data))
    svc = JobService(settings, store, today=lambda: TODAY)
    code, body = trigger(svc, {"models": ["cash"], "start_date": "2025-10-15"})
    assert code == 202 and (body["date_range"][0], body["date_range"][-1]) == ("2025-10-15", "2025-10-30")
    with pytest.raises(InvalidDate) as exc:
        trigger(svc, {"models": ["momentum"], "start_date": "2025-10-31"})
    assert "after the last trading day with data (2025-10-30)" in exc.value.message


@pytest.mark.parametrize("value", [5, ["2025-10-01"], True, {"y": 2025}])
def test_trigger_date_types_are_invalid_date(service, store, value):
    for field in ("start_date", "end_date"):
        with pytest.raises(InvalidDate):
            trigger(service, {field: value})
    _nothing_written(store)


def _with_typos(settings, name="typos.json"):
    path = write_config(
        settings, models=[{"signature": "cash", "provider": "baseline", "strategy": "cash", "stratgy": "x"}], name=name
    )
    data = json.loads(path.read_text())
    data["agent_config"]["max_step"] = 3
    path.write_text(json.dumps(data))
    return path


def test_unknown_config_keys_are_warnings_in_the_trigger_answer(service, settings):
    _with_typos(settings)
    code, body = trigger(service, {"config_path": "typos.json", **ONE_DAY})
    assert code == 202, body
    assert body["warnings"][:2] == [
        "unknown config key 'agent_config.max_step' is ignored (did you mean 'max_steps'?)",
        "unknown config key 'models.0.stratgy' is ignored (did you mean 'strategy'?)",
    ]


def test_unknown_config_keys_are_refused_with_strict_config(settings, store):
    _with_typos(settings)
    strict = JobService(settings.model_copy(update={"strict_config": True}), store, today=lambda: TODAY)
    with pytest.raises(InvalidConfig) as exc:
        trigger(strict, {"config_path": "typos.json", **ONE_DAY})
    problems = _problems(exc.value)
    assert set(problems) == {"agent_config.max_step", "models.0.stratgy"}
    assert "did you mean 'max_steps'" in problems["agent_config.max_step"]
    _nothing_written(store)


def test_ai_trader_run_prints_the_unknown_keys_and_fails_on_them_with_strict_config(settings):
    path = _with_typos(settings, "cli-typos.json")
    args = ["run", str(path), "--start", "2025-10-30", "--data-dir", str(settings.data_dir)]
    lenient = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert lenient.exit_code == 0, lenient.output
    assert "warning: unknown config key 'agent_config.max_step' is ignored (did you mean 'max_steps'?)" in (
        lenient.output
    )
    strict = runner.invoke(app, args, env={"COLUMNS": "200", "STRICT_CONFIG": "true"})
    assert strict.exit_code == 2, strict.output
    assert "invalid_config" in strict.output and "models.0.stratgy" in strict.output

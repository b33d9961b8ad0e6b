"""Settings have ranges; a bad value fails at start, named by its environment variable (the CLI: a clear message on
stderr and exit 2, no traceback)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from ai_trader.cli import app
from ai_trader.settings import Settings, describe_invalid

runner = CliRunner()
BAD = [
    ("MAX_CONCURRENT_JOBS", "0"),
    ("MAX_PARALLEL_MODELS", "0"),
    ("MAX_SIMULATION_DAYS", "0"),
    ("MAX_SIMULATION_DAYS", "-5"),
    ("MODEL_DAY_TIMEOUT_SECONDS", "0"),
    ("MODEL_DAY_TIMEOUT_SECONDS", "-1"),
    ("HEALTH_CHECK_TIMEOUT_SECONDS", "0"),
    ("WORKER_POLL_SECONDS", "0"),
    ("SHUTDOWN_GRACE_SECONDS", "-1"),
    ("MODEL_DAY_TIMEOUT_SECONDS", "inf"),
    ("API_PORT", "0"),
    ("API_PORT", "65536"),
    ("MATH_HTTP_PORT", "-1"),
    ("SEARCH_HTTP_PORT", "70000"),
    ("TRADE_HTTP_PORT", "0"),
    ("GETPRICE_HTTP_PORT", "99999"),
    ("AV_REQUESTS_PER_DAY", "0"),
]


@pytest.mark.parametrize("name, value", BAD)
def test_out_of_range_values_are_refused_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as exc:
        Settings(_env_file=None)
    text = describe_invalid(exc.value)
    assert text.startswith("invalid settings:") and f"{name}={value}" in text


def test_the_edges_of_the_ranges_are_fine():
    s = Settings(
        _env_file=None,
        max_concurrent_jobs=1,
        max_parallel_models=1,
        max_simulation_days=1,
        model_day_timeout_seconds=0.001,
        api_port=65535,
        math_http_port=1,
    )
    assert (s.api_port, s.math_http_port, s.max_simulation_days) == (65535, 1, 1)
    assert Settings(_env_file=None).max_parallel_models is None  # unset: every chain of a job at once


def test_every_bad_value_is_named_at_once(monkeypatch):
    monkeypatch.setenv("API_PORT", "0")
    monkeypatch.setenv("MAX_CONCURRENT_JOBS", "0")
    with pytest.raises(ValidationError) as exc:
        Settings(_env_file=None)
    lines = describe_invalid(exc.value).splitlines()[1:]
    assert [line.split("=")[0].strip() for line in lines] == ["API_PORT", "MAX_CONCURRENT_JOBS"]


@pytest.mark.parametrize("command", [["status"], ["results", "--date", "2025-10-01"], ["worker", "--drain"]])
def test_a_command_with_a_bad_variable_exits_2_with_its_name_and_no_traceback(tmp_path, command):
    env = {"MAX_CONCURRENT_JOBS": "0", "DATA_DIR": str(tmp_path / "data")}
    result = runner.invoke(app, command, env=env)
    assert result.exit_code == 2, result.output
    assert "invalid settings" in result.output and "MAX_CONCURRENT_JOBS=0" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "data").exists()  # refused before touching anything


def test_a_bad_option_is_named_like_its_variable(tmp_path):
    result = runner.invoke(app, ["serve", "--port", "0"], env={"DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 2
    assert "API_PORT=0" in result.output and "greater than or equal to 1" in result.output


@pytest.mark.parametrize("name, value", [("PRICE_TABLE", "notjson"), ("BENCHMARK_SYMBOLS", "[1")])
def test_a_value_that_is_not_json_is_named_too(tmp_path, name, value):
    result = runner.invoke(app, ["status"], env={name: value, "DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 2, result.output
    assert f"{name}: not valid JSON" in result.output and "Traceback" not in result.output

"""Every command's `--help` names each environment variable the command reads (spec/operations.md: "env var names
in help"). The expectations below are written from what each command's code path reads, independently of the
help texts themselves."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from ai_trader.cli import app
from ai_trader.settings import Settings

runner = CliRunner()
LOGGING = {"LOG_LEVEL", "LOG_FORMAT"}
STORE = {"DATA_DIR", "DATABASE_URL"}  # where the store is
AV = {
    "ALPHAADVANTAGE_API_KEY",
    "ALPHAVANTAGE_BASE_URL",
    "ALPHAVANTAGE_DAILY_FUNCTION",
    "AV_REQUESTS_PER_MINUTE",
    "AV_REQUESTS_PER_DAY",
}
MODEL_DAYS = {  # an LLM agent's endpoint and costs, the chains, the tools and their news
    "OPENAI_API_BASE",
    "OPENAI_API_KEY",
    "LLM_REQUEST_TIMEOUT_SECONDS",
    "LLM_MAX_CONCURRENT_REQUESTS",
    "LLM_REQUESTS_PER_MINUTE",
    "LLM_TOKENS_PER_MINUTE",
    "LLM_MAX_RETRY_AFTER_SECONDS",
    "PRICE_TABLE",
    "MAX_PARALLEL_MODELS",
    "MODEL_DAY_TIMEOUT_SECONDS",
    "TRADE_FEE",
    "TOOL_TRANSPORT",
    "NEWS_PROVIDER",
    "NEWS_FILE",
    "JINA_API_KEY",
    "MCP_HOST",
    "TRADE_HTTP_PORT",
}
WORKER = {"MAX_CONCURRENT_JOBS", "RESUME_INTERRUPTED_JOBS", "AUTO_DOWNLOAD_PRICE_DATA", *AV}
JOBS = {"MAX_SIMULATION_DAYS", *WORKER}  # a trigger plans (and refuses too long a range), then a worker runs it
READS = {
    "data import": {*STORE, "BENCHMARK_SYMBOLS"},
    "data fetch": {*STORE, "BENCHMARK_SYMBOLS", *AV},
    "data status": {*STORE, "ALPHAADVANTAGE_API_KEY", "AUTO_DOWNLOAD_PRICE_DATA", "AV_REQUESTS_PER_DAY"},
    "run": {*STORE, "RISK_FREE_RATE", *JOBS, *MODEL_DAYS},
    "worker": {
        *STORE,
        "WORKER_CONCURRENCY",
        "WORKER_LEASE_SECONDS",
        "WORKER_POLL_SECONDS",
        "SHUTDOWN_GRACE_SECONDS",
        *WORKER,
        *MODEL_DAYS,
    },
    "serve": {
        "API_HOST",
        "API_PORT",
        "API_KEY",
        "MAX_BODY_BYTES",
        "CONFIGS_DIR",
        *STORE,
        "MCP_ENABLED",
        "STARTUP_TIMEOUT_SECONDS",
        "WORKER_ENABLED",
        "HEALTH_CHECK_TIMEOUT_SECONDS",
        "MATH_HTTP_PORT",
        "GETPRICE_HTTP_PORT",
        *JOBS,
        *MODEL_DAYS,
    },
    "mcp": {
        *STORE,
        "MCP_HOST",
        "MATH_HTTP_PORT",
        "SEARCH_HTTP_PORT",
        "TRADE_HTTP_PORT",
        "GETPRICE_HTTP_PORT",
        "NEWS_PROVIDER",
        "NEWS_FILE",
        "JINA_API_KEY",
        "JINA_BASE_URL",
        "ALPHAADVANTAGE_API_KEY",
        "TRADE_FEE",
    },
    "results": {*STORE, "RISK_FREE_RATE"},
    "performance": {*STORE, "RISK_FREE_RATE"},
    "status": STORE,
    "jobs": STORE,
    "cancel": STORE,
    "export": STORE,
    "scripted-llm": set(),
    "db migrate": STORE,
    "db copy": set(),
    "check-model": {*STORE, "OPENAI_API_BASE", "OPENAI_API_KEY", "LLM_REQUEST_TIMEOUT_SECONDS", "STRICT_CONFIG"},
    "demo": {*STORE, "CONFIGS_DIR", *MODEL_DAYS},
}
FIELDS = {name.upper() for name in Settings.model_fields}
NAME = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")


def _commands(group, prefix: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        if hasattr(cmd, "commands"):  # a group (typer's, whichever click it builds on)
            yield from _commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name)


COMMANDS = list(_commands(typer.main.get_command(app)))


def _help(path: tuple[str, ...]) -> str:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "250", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_covered_here():
    assert {" ".join(c) for c in COMMANDS} == set(READS)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_names_every_variable_the_command_reads(path):
    text = _help(path)
    missing = sorted((READS[" ".join(path)] | LOGGING) - set(NAME.findall(text)))
    assert not missing, f"`ai-trader {' '.join(path)} --help` does not name {missing}"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_names_only_real_variables(path):
    named = set(NAME.findall(_help(path))) - {"TIME_SERIES_DAILY", "JOB_ID"}  # an API name, a metavar
    assert named <= FIELDS, sorted(named - FIELDS)


def test_every_setting_is_named_by_some_command():
    named = set().union(*(NAME.findall(_help(p)) for p in COMMANDS))
    assert sorted(FIELDS - named) == []

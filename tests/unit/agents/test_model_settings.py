"""Model entry settings: validated with precise messages, turned into exactly the request fields they name; the
compact prompt states the same facts; Retry-After is read in both forms; the endpoint limiter paces and reports."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import httpx2
import openai
import pytest

from ai_trader.agents.base import DayBrief
from ai_trader.agents.options import ModelOptions
from ai_trader.agents.prompts import read_system_prompt, system_prompt
from ai_trader.agents.ratelimit import WAITING, EndpointLimiter, RateLimits, phase_reporter
from ai_trader.agents.retry import retry_after
from ai_trader.config import ModelConfig, parse_config
from ai_trader.errors import InvalidConfig
from ai_trader.settings import Settings

LLM = {"signature": "m", "basemodel": "some/model"}


def problems(**entry) -> str:
    with pytest.raises(InvalidConfig) as err:
        parse_config({"date_range": {"init_date": "2025-06-02"}, "models": [{**LLM, **entry}]})
    return err.value.message


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"request_timeout_s": 0}, "request_timeout_s: Input should be greater than 0"),
        ({"model_day_timeout_s": -1}, "model_day_timeout_s: Input should be greater than 0"),
        ({"temperature": 3}, "temperature: Input should be less than or equal to 2"),
        ({"top_p": 1.5}, "top_p: Input should be less than or equal to 1"),
        ({"max_tokens": 0}, "max_tokens: Input should be greater than or equal to 1"),
        ({"tool_choice": "always"}, "tool_choice: Input should be 'auto', 'none', 'required' or 'required_first'"),
        ({"reasoning_effort": "max"}, "reasoning_effort: Input should be 'none', 'minimal', 'low'"),
        ({"extra_body": [1]}, "extra_body: Input should be a valid dictionary"),
        ({"extra_headers": {"X-N": 1}}, "extra_headers.X-N: Input should be a valid string"),
        ({"extra_body": {"messages": []}}, "extra_body may not set messages: the session loop sends those"),
        ({"temperature": 0.1, "extra_body": {"temperature": 0.2}}, "temperature given both as a key and in extra_body"),
        ({"extra_headers": {"Authorization": "Bearer x"}}, "may not set Authorization: put the key in openai_api_key"),
        ({"extra_headers": {"Bad Name": "x"}}, "'Bad Name' is not a valid HTTP header name"),
        ({"extra_headers": {"X-A": "a\r\nX-B: b"}}, "the value of X-A must be one line"),
        ({"tool_call_format": "xml"}, "tool_call_format: Input should be 'native', 'content' or 'auto'"),
        ({"prompt_format": "tiny"}, "prompt_format: Input should be 'standard' or 'compact'"),
        ({"requests_per_minute": 0}, "requests_per_minute: Input should be greater than 0"),
        ({"max_concurrent_requests": 0}, "max_concurrent_requests: Input should be greater than or equal to 1"),
        (
            {"provider": "baseline", "strategy": "cash", "temperature": 0.5},
            "temperature: only for LLM models (provider 'openai' or 'scripted'), not 'baseline'",
        ),
    ],
)
def test_bad_settings_are_refused_with_the_field_and_the_reason(entry, message):
    assert message in problems(**entry)


def test_entries_sharing_an_endpoint_must_agree_on_rate_limits():
    shared = {"openai_base_url": "http://h/v1", "openai_api_key": "k"}
    with pytest.raises(InvalidConfig, match="models 'a' and 'b' share an endpoint but give different requests_per"):
        parse_config(
            {
                "date_range": {"init_date": "2025-06-02"},
                "models": [
                    {"signature": "a", "basemodel": "x", "requests_per_minute": 10, **shared},
                    {"signature": "b", "basemodel": "y", "requests_per_minute": 20, **shared},
                ],
            }
        )


def test_no_settings_add_nothing_and_settings_come_out_in_a_fixed_order():
    assert ModelOptions.of(ModelConfig(**LLM), Settings(_env_file=None)) == ModelOptions()
    assert ModelOptions().request_fields(1) == {} and ModelOptions().record(1) == {}
    model = ModelConfig(
        **LLM,
        extra_body={"top_k": 20},
        reasoning_effort="low",
        tool_choice="required_first",
        seed=7,
        temperature=0.0,
        extra_headers={"X-Title": "AI-Trader", "X-Api-Key": "secret"},
    )
    opts = ModelOptions.of(model, Settings(_env_file=None))
    first, later = opts.request_fields(1), opts.request_fields(2)
    assert list(first.items()) == [
        ("temperature", 0.0),
        ("seed", 7),
        ("tool_choice", "required"),
        ("reasoning_effort", "low"),
        ("top_k", 20),
    ]
    assert later["tool_choice"] == "auto"
    assert opts.record(1)["extra_headers"] == {"X-Title": "AI-Trader", "X-Api-Key": "***"}


def test_rate_limits_fall_back_to_the_settings():
    settings = Settings(_env_file=None, llm_requests_per_minute=30, llm_max_concurrent_requests=2)
    opts = ModelOptions.of(ModelConfig(**LLM, max_concurrent_requests=5), settings)
    assert opts.limits == RateLimits(max_concurrent=5, requests_per_minute=30, tokens_per_minute=None)
    scripted = ModelConfig(signature="s", provider="scripted", requests_per_minute=600)
    assert ModelOptions.of(scripted, settings, env_limits=False).limits == RateLimits(requests_per_minute=600)


BRIEF = DayBrief(
    signature="s",
    date="2025-06-03",
    cash=1234.5,
    positions={"AAPL": 3},
    prev_date="2025-06-02",
    prev_closes={"AAPL": 201.7, "MSFT": 460.36, "ZS": 300.0},
    today_opens={"AAPL": 200.28, "MSFT": 461.0, "NVDA": 135.49},
    tradable=("AAPL", "MSFT", "NVDA", "ZS"),
)


def test_the_compact_prompt_states_the_same_facts_in_fewer_characters():
    standard, compact = system_prompt(BRIEF), system_prompt(BRIEF, "compact")
    assert read_system_prompt(compact) == read_system_prompt(standard)
    assert "AAPL 201.7 200.28\nMSFT 460.36 461.0\nNVDA - 135.49\nZS 300.0 -\n" in compact
    assert standard.split("Yesterday's closing prices (")[0] == compact.split("Yesterday's closing prices (")[0]
    assert standard.endswith("<FINISH_SIGNAL>\n") and compact.endswith("<FINISH_SIGNAL>\n")
    first_day = DayBrief("s", "2025-06-02", 10.0, {}, None, {}, {"AAPL": 1.5}, ("AAPL",))
    assert read_system_prompt(system_prompt(first_day, "compact"))["prev_date"] is None


def _status_error(code: int, headers: dict[str, str]) -> openai.APIStatusError:
    request = httpx2.Request("POST", "http://h/v1/chat/completions")
    response = httpx2.Response(code, headers=headers, request=request)
    return openai.APIStatusError("limited", response=response, body=None)


def test_retry_after_in_seconds_milliseconds_and_http_date():
    now = dt.datetime(2026, 1, 5, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after(_status_error(429, {"Retry-After": "7"})) == 7.0
    assert retry_after(_status_error(429, {"retry-after-ms": "1500", "Retry-After": "9"})) == 1.5
    assert retry_after(_status_error(503, {"Retry-After": "Mon, 05 Jan 2026 12:00:30 GMT"}), now) == 30.0
    assert retry_after(_status_error(429, {"Retry-After": "Mon, 05 Jan 2026 11:00:00 GMT"}), now) == 0.0
    assert retry_after(_status_error(429, {"Retry-After": "soon"})) is None
    assert retry_after(_status_error(500, {"Retry-After": "7"})) is None  # only 429 and 503 say "come back later"


def test_the_limiter_paces_requests_caps_concurrency_and_reports_the_wait():
    """2 requests per 0.5 s period: the third waits about a quarter period; the waits are reported, then cleared."""
    phases: list[str | None] = []

    async def go() -> list[float]:
        phase_reporter.set(lambda phase, _wait: phases.append(phase))
        limiter = EndpointLimiter(RateLimits(max_concurrent=1, requests_per_minute=2), period_s=0.5)
        started: list[float] = []

        async def request() -> None:
            async with limiter.slot():
                started.append(time.monotonic())
                await asyncio.sleep(0.01)

        t0 = time.monotonic()
        await asyncio.gather(*(request() for _ in range(4)))
        return [t - t0 for t in started]

    started = asyncio.run(go())
    assert started[3] >= 0.4  # 4 requests at 2 per 0.5 s cannot all start at once
    assert WAITING in phases and phases[-1] is None
    assert phases.count(WAITING) == phases.count(None)


def test_the_token_bucket_paces_big_requests_and_takes_one_bigger_than_the_limit():
    async def go() -> list[float]:
        limiter = EndpointLimiter(RateLimits(tokens_per_minute=100), period_s=0.5)
        t0, started = time.monotonic(), []
        for tokens in (80, 80, 5000):  # the last is more than a whole period's budget: clamped, not refused
            async with limiter.slot(tokens):
                started.append(time.monotonic() - t0)
        return started

    first, second, third = asyncio.run(go())
    assert second >= 0.25 and third > second  # 160 tokens at 100 per 0.5 s: the second waits for 60 to drain

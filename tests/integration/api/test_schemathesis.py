"""Schemathesis over every operation of the published OpenAPI document, with and without API_KEY: positive and
negative cases (at least 50 of each per operation; no negative case exists for an operation without input or
whose only input is a job id, any string), every built-in check, failing on any failure; plus a bounded stateful run
over the links of a queued job.

One built-in check is replaced: `positive_data_acceptance` fails any 400 to a schema-valid request, but some rules
are beyond JSON Schema (a range whose start is after its end, a signature that is not in the config, `date`
together with `start_date`, a well-formed date that is not on the calendar) and the server answers them with a 400
naming the rule (`invalid_date`, `unknown_model`, `invalid_config_path`, `range_too_large`). The replacement
(`positive_data_is_well_formed`) fails a schema-valid request refused as malformed (`invalid_request`: the shape
the schema describes) and any other 4xx outside 401/403/404/409."""

from __future__ import annotations

import shutil

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from ai_trader.api.app import create_app
from ai_trader.api.server import JsonErrorsHttp
from ai_trader.market.prices import PriceView
from ai_trader.settings import Settings
from ai_trader.store import Store
from tests.support.servers import ThreadServer

from .conftest import write_config
from .seed import commit_day

EXAMPLES = 50
KEY = "fuzz-api-key-Hq3Zt8Wm"
SEMANTIC_400 = {
    "invalid_date",
    "unknown_model",
    "invalid_config_path",
    "range_too_large",
    "invalid_config",
    "invalidates_committed_days",  # a plan before committed days without replace_existing (README)
}
OPERATIONS = [
    "POST /simulate/trigger",
    "GET /simulate/status/{job_id}",
    "GET /simulate/events/{job_id}",
    "GET /simulate/workers",
    "GET /simulate/current",
    "GET /simulate/jobs",
    "POST /simulate/cancel/{job_id}",
    "GET /results",
    "GET /performance",
    "GET /health",
    "GET /dashboard/data/benchmark",
    "GET /dashboard/data/closes",
    "POST /models/check",
]


@schemathesis.check
def positive_data_is_well_formed(ctx, response, case) -> bool | None:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status == 400:
        code = response.json().get("error")
        assert code in SEMANTIC_400, f"a schema-valid request was refused as {code}: {response.text[:300]}"
    elif 400 <= status < 500:
        assert status in (401, 403, 404, 409), f"a schema-valid request got {status}: {response.text[:300]}"
    return None


@schemathesis.check
def negative_data_is_rejected(ctx, response, case) -> bool | None:
    """The built-in `negative_data_rejection`, plus 413: a generated body over the 64 KiB limit is refused before it
    is parsed (`payload_too_large`, in the error shape), which is a rejection too."""
    if response.status_code == 413:
        assert response.json().get("error") == "payload_too_large", response.text[:300]
        return True
    return negative_data_rejection(ctx, response, case)


@pytest.fixture(scope="module")
def servers(tmp_path_factory, priced_template):
    """The app with and without API_KEY, each served by uvicorn on loopback (its lifespan runs once)."""
    root = tmp_path_factory.mktemp("schemathesis")
    (root / "configs").mkdir()
    write_config(root / "configs")
    s = Settings(
        _env_file=None, data_dir=root / "data", configs_dir=root / "configs", log_format="console", mcp_enabled=False
    )
    s.data_dir.mkdir()
    shutil.copy(priced_template, s.db_path)
    store = Store(s.db_path)
    prices = PriceView.load(store)
    for d in ("2025-07-01", "2025-07-02"):
        commit_day(store, prices, "ew", d, [("buy", "AAPL", 1)] if d == "2025-07-01" else [])
    open_app = create_app(s, store=store, start_worker=False)
    keyed_app = create_app(s.model_copy(update={"api_key": KEY}), store=store, start_worker=False)
    open_server, keyed_server = ThreadServer(open_app), ThreadServer(keyed_app)
    for server in (open_server, keyed_server):
        server.server.config.http = JsonErrorsHttp  # as `ai-trader serve` runs it
    with open_server, keyed_server:
        yield {"open": open_server.base, "keyed": keyed_server.base}
    store.close()


@pytest.fixture(scope="module")
def schemas(servers):
    out = {}
    for name, base in servers.items():
        headers = {"X-API-Key": KEY} if name == "keyed" else {}
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json", headers=headers)
        out[name] = {r.ok().label: r.ok() for r in schema.get_all_operations()}
    return out


@pytest.fixture(scope="module")
def session():
    with requests.Session() as s:
        yield s


def test_every_api_operation_is_fuzzed(schemas):
    for ops in schemas.values():
        assert set(ops) == set(OPERATIONS)


NO_INPUT = {"GET /health", "GET /simulate/workers"}  # one possible request
# nothing to make invalid (no input, or only a job id, which is any string): no negative case exists
NO_NEGATIVE = NO_INPUT | {
    "GET /simulate/status/{job_id}",
    "GET /simulate/events/{job_id}",
    "POST /simulate/cancel/{job_id}",
}
CASES = [
    (label, server, mode)
    for label in OPERATIONS
    for server in ("open", "keyed")
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if not (label in NO_NEGATIVE and mode == GenerationMode.NEGATIVE)
]


@pytest.mark.parametrize(("label", "server", "mode"), CASES, ids=[f"{lb}-{s}-{m.value}" for lb, s, m in CASES])
def test_schemathesis(schemas, session, label, server, mode):
    op = schemas[server][label]
    # /health answers 503 here on purpose (no worker in this app), as documented
    excluded = [positive_data_acceptance, negative_data_rejection]
    excluded += [not_a_server_error] if label == "GET /health" else []
    seen = []

    @given(case=op.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        seen.append(1)
        # the key of the keyed server, unless the case's headers are the negative part (a broken or missing key)
        components = case.meta.components if case.meta is not None else {}
        own = any(loc == ParameterLocation.HEADER and info.mode.is_negative for loc, info in components.items())
        case.call_and_validate(
            session=session,
            headers={"X-API-Key": KEY} if server == "keyed" and not own else None,
            excluded_checks=excluded,
            additional_checks=[positive_data_is_well_formed, negative_data_is_rejected],
        )

    run()
    assert len(seen) >= (1 if label in NO_INPUT else EXAMPLES)


@pytest.mark.parametrize("server", ["open", "keyed"])
def test_stateful_links_from_a_queued_job(servers, server):
    """The links of the trigger's 202 (status, events, cancel of the new job), followed by schemathesis' state
    machine with every built-in check."""
    headers = {"X-API-Key": KEY} if server == "keyed" else {}
    schema = schemathesis.openapi.from_url(f"{servers[server]}/openapi.json", headers=headers)
    links = schema["/simulate/trigger"]["POST"].definition.raw["responses"]["202"]["links"]
    assert set(links) == {"GetJobStatus", "GetJobEvents", "CancelJob"}
    calls = []

    base = servers[server]

    class Jobs(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self):
            # every scenario starts with no active job: replays of a scenario then see the same answers (a job left
            # queued by an earlier scenario or test turns its triggers into 409s, and hypothesis into
            # FlakyStrategyDefinition)
            for status in ("pending", "running"):
                jobs = requests.get(f"{base}/simulate/jobs", params={"status": status}, headers=headers, timeout=10)
                for job in jobs.json()["data"]:
                    requests.post(f"{base}/simulate/cancel/{job['job_id']}", headers=headers, timeout=10)

        def get_call_kwargs(self, case):
            calls.append(case.operation.label)
            # as in test_schemathesis: the keyed server's key, unless the case's headers are its negative part
            components = case.meta.components if case.meta is not None else {}
            own = any(loc == ParameterLocation.HEADER and info.mode.is_negative for loc, info in components.items())
            return {"headers": None if own else headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance, not_a_server_error]
                if case.operation.label == "GET /health"
                else [positive_data_acceptance],
                additional_checks=[positive_data_is_well_formed],
                transport_kwargs=kwargs or None,
            )

    Jobs.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=4,
            deadline=None,
            derandomize=True,  # a fixed sequence: random ones hit hypothesis' FlakyStrategyDefinition now and then
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )
    assert "POST /simulate/trigger" in calls and len(calls) >= 15
    assert {"GET /simulate/status/{job_id}", "POST /simulate/cancel/{job_id}"} & set(calls)

"""The windmill/ folder: `wmill lint` (real CLI), flow/schedule/app structure, and script metadata
that matches what Windmill infers from each script's main signature."""

from __future__ import annotations

import functools
import json
import subprocess

import pytest
import yaml

from tests.windmill.conftest import FLOW_DIR, ROOT, SCRIPTS, WINDMILL, copy_windmill, node_tool

SCRIPT_FILES = [
    "trigger_simulation.ts",
    "poll_simulation_status.ts",
    "store_simulation_results.py",
    "get_latest_performance.py",
    "get_timeseries.py",
]
FLOW = yaml.safe_load((FLOW_DIR / "flow.yaml").read_text())


def lint(wmill_cli, folder):
    proc = subprocess.run(
        [str(wmill_cli), "lint", str(folder), "--json"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folder,
    )
    return proc.returncode, json.loads(proc.stdout[proc.stdout.index("{") :])


def test_wmill_lint_passes(wmill_cli):
    code, report = lint(wmill_cli, WINDMILL)
    assert code == 0, report
    assert report["validatedFiles"] == 2 and report["invalidFiles"] == 0  # flow.yaml + schedule


def test_wmill_lint_fails_on_broken_copy(wmill_cli, tmp_path):
    broken = copy_windmill(tmp_path)
    flow = broken / "f/ai_trader/daily_simulation__flow/flow.yaml"
    flow.write_text(flow.read_text().replace("type: whileloopflow", "type: whileloop"))
    schedule = broken / "f/ai_trader/daily_simulation.schedule.yaml"
    schedule.write_text(schedule.read_text().replace("timezone: America/New_York\n", ""))
    (broken / "f/ai_trader/get_timeseries.py").unlink()  # metadata left without its script
    code, report = lint(wmill_cli, broken)
    assert code == 1 and report["success"] is False
    by_path = {i["path"]: " ".join(i["errors"]) for i in report["issues"]}
    assert "f/ai_trader/daily_simulation__flow/flow.yaml" in by_path
    assert "timezone" in by_path["f/ai_trader/daily_simulation.schedule.yaml"]
    assert "f/ai_trader/get_timeseries.script.yaml" in by_path


def test_no_wmill_init_artifacts_committed():
    names = {p.name for p in WINDMILL.rglob("*")}
    assert not names & {"AGENTS.md", "CLAUDE.md", "AGENTS.wmill.md", ".claude", "tsconfig.wmill.json"}
    config = yaml.safe_load((WINDMILL / "wmill.yaml").read_text())
    assert config["includes"] == ["f/**"] and config["defaultTs"] == "bun"
    assert config["nonDottedPaths"] is True and config["includeSchedules"] is True


@functools.cache
def _all_inferred() -> dict:
    node_tool("wmill")  # the parsers come with windmill-cli
    files = [str(SCRIPTS / f) for f in SCRIPT_FILES]
    proc = subprocess.run(
        ["node", str(ROOT / "tests/windmill/infer_args.mjs"), *files],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def inferred_args(script):
    return _all_inferred()[str(script)]["args"]


def schema_type(typ):
    """Windmill's arg type -> JSON schema (type, format), as the CLI's argSigToJsonSchemaType maps it."""
    if typ == "bool":
        return "boolean", None
    if typ in ("int", "float"):
        return {"int": "integer", "float": "number"}[typ], None
    if "str" in typ:
        return "string", None
    if "list" in typ:
        return "array", None
    if "resource" in typ:
        return "object", f"resource-{typ['resource']}"
    if "object" in typ:
        name = typ["object"].get("name")
        return "object", f"resource-{name}" if name else None
    raise AssertionError(f"unexpected arg type {typ}")


@pytest.mark.parametrize("filename", SCRIPT_FILES)
def test_script_metadata_matches_main_signature(filename):
    meta = yaml.safe_load((SCRIPTS / filename).with_suffix(".script.yaml").read_text())
    assert meta["summary"] and meta["description"] and meta["kind"] == "script"
    schema = meta["schema"]
    args = inferred_args(SCRIPTS / filename)
    assert list(schema["properties"]) == [a["name"] for a in args] == schema["order"]
    assert schema["required"] == [a["name"] for a in args if not a["has_default"]]
    for arg in args:
        prop = schema["properties"][arg["name"]]
        assert prop["description"], arg["name"]
        assert (prop["type"], prop.get("format")) == schema_type(arg["typ"]), arg["name"]
        if arg["has_default"]:
            assert prop["default"] == arg["default"], arg["name"]


def test_resource_type_matches_the_scripts_type():
    rt = yaml.safe_load((WINDMILL / "ai_trader_api.resource-type.yaml").read_text())
    assert rt["schema"]["required"] == ["base_url"]
    (api,) = [a for a in inferred_args(SCRIPTS / "trigger_simulation.ts") if a["name"] == "api"]
    assert api["typ"]["object"]["name"] == "ai_trader_api"
    assert [p["key"] for p in api["typ"]["object"]["props"]] == list(rt["schema"]["properties"])
    example = yaml.safe_load((SCRIPTS / "api.resource.yaml").read_text())
    assert example["resource_type"] == "ai_trader_api" and example["value"]["base_url"] == "http://ai-trader:8080"
    db = yaml.safe_load((SCRIPTS / "db.resource.yaml").read_text())
    assert db["resource_type"] == "postgresql"
    assert set(db["value"]) == {"host", "port", "user", "password", "dbname", "sslmode"}


def script_schema(path: str) -> dict:
    name = path.removeprefix("f/ai_trader/")
    return yaml.safe_load((SCRIPTS / f"{name}.script.yaml").read_text())["schema"]


def walk_modules(modules):
    for m in modules:
        yield m
        v = m["value"]
        yield from walk_modules(v.get("modules", []))
        for b in v.get("branches", []):
            yield from walk_modules(b["modules"])
        yield from walk_modules(v.get("default", []))


def test_flow_structure():
    modules = FLOW["value"]["modules"]
    assert [m["id"] for m in modules] == ["trigger", "wait_for_job", "outcome"]
    trigger, loop, outcome = modules
    assert trigger["value"]["path"] == "f/ai_trader/trigger_simulation"
    assert trigger["stop_after_if"] == {"expr": 'result.action === "skipped"', "skip_if_stopped": True}
    assert loop["value"]["type"] == "whileloopflow" and loop["value"]["skip_failures"] is False
    (poll,) = loop["value"]["modules"]
    assert poll["value"]["path"] == "f/ai_trader/poll_simulation_status" and "sleep" in poll
    assert (
        "result.terminal" in poll["stop_after_if"]["expr"] and "flow_input.max_polls" in poll["stop_after_if"]["expr"]
    )
    assert FLOW["schema"]["properties"]["max_polls"]["default"] > 0
    assert outcome["value"]["type"] == "branchone"
    (ok_branch,) = outcome["value"]["branches"]
    assert '["completed", "partial"]' in ok_branch["expr"]
    assert [m["id"] for m in ok_branch["modules"]] == ["store"]
    (fail,) = outcome["value"]["default"]
    assert fail["id"] == "fail" and fail["value"]["type"] == "rawscript"
    assert (FLOW_DIR / fail["value"]["content"].removeprefix("!inline ")).exists()
    ids = [m["id"] for m in walk_modules(modules)]
    assert len(ids) == len(set(ids))


def test_flow_steps_pass_exactly_the_scripts_arguments():
    for m in walk_modules(FLOW["value"]["modules"]):
        if m["value"]["type"] != "script":
            continue
        schema = script_schema(m["value"]["path"])
        given = set(m["value"]["input_transforms"])
        assert given <= set(schema["properties"]), m["id"]
        assert set(schema["required"]) <= given, m["id"]


def test_fail_step_throws_with_the_job_outcome(run_ts):
    script = FLOW_DIR / "fail_on_job_failure.inline_script.ts"
    ok, error = run_ts(script, {"job_id": "j1", "status": "cancelled", "terminal": True, "error": None}, 96)
    assert not ok and error == "AI-Trader job j1 ended cancelled"
    ok, error = run_ts(script, {"job_id": "j2", "status": "running", "terminal": False}, 4)
    assert not ok and "still running after 4 polls" in error


def test_schedule_runs_the_flow_weekdays_at_six_new_york():
    s = yaml.safe_load((SCRIPTS / "daily_simulation.schedule.yaml").read_text())
    assert s["script_path"] == "f/ai_trader/daily_simulation" and s["is_flow"] is True and s["enabled"] is True
    assert s["timezone"] == "America/New_York"
    assert s["schedule"].split() == ["0", "0", "6", "*", "*", "Mon-Fri"]
    assert (SCRIPTS / "daily_simulation__flow" / "flow.yaml").exists()


def test_dashboard_app_uses_the_read_scripts_with_valid_fields():
    app = yaml.safe_load((SCRIPTS / "dashboard__app" / "app.yaml").read_text())
    components = {c["id"]: c["data"] for c in app["value"]["grid"]}
    assert components["performance"]["type"] == "tablecomponent"
    assert components["portfolio_chart"]["type"] == "plotlycomponent"
    for cid, path in [
        ("performance", "f/ai_trader/get_latest_performance"),
        ("portfolio_chart", "f/ai_trader/get_timeseries"),
    ]:
        inp = components[cid]["componentInput"]
        assert inp["type"] == "runnable" and inp["runnable"]["runType"] == "script"
        assert inp["runnable"]["path"] == path
        schema = script_schema(path)
        assert set(inp["fields"]) == set(schema["properties"]) == set(inp["runnable"]["schema"]["properties"])
    columns = [c["field"] for c in components["performance"]["configuration"]["columnDefs"]["value"]]
    assert {"model", "portfolio_value", "total_return_pct", "daily_return_pct"} <= set(columns)
    for item in app["value"]["grid"]:
        assert item["id"] == item["data"]["id"]

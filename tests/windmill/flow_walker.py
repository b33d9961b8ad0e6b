"""Walks the daily_simulation flow.yaml step by step, the way Windmill executes it.

Script steps run the real scripts (TS under Bun, Python in-process); `static` transforms are
used as is (`$res:` paths resolved from `resources`), `javascript` transforms, `sleep`,
`stop_after_if` and branch expressions are evaluated with Bun on the same `results`/`flow_input`
context Windmill gives them. Sleeps are evaluated and recorded, not slept. Reusable against the
stand-in or the real service: pass the `ai_trader_api` resource value in `resources`.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.windmill.conftest import FLOW_DIR, ROOT, SCRIPTS, load_script

FLOW = yaml.safe_load((FLOW_DIR / "flow.yaml").read_text())


class FlowFailed(Exception):
    """The flow ended in error (a step threw); message is the step's error."""


@dataclass
class Walk:
    results: dict = field(default_factory=dict)
    stopped_after: str | None = None  # id of the step whose stop_after_if ended the flow
    sleeps: list = field(default_factory=list)
    iterations: int = 0
    branch: str | None = None


def eval_js(bun: Path, expr: str, ctx: dict):
    code = (
        "const ctx = JSON.parse(process.argv[1]);"
        "const {results, flow_input, result} = ctx;"
        f"const value = ({expr});"
        "console.log(JSON.stringify(value === undefined ? null : value));"
    )
    proc = subprocess.run(
        [str(bun), "-e", code, json.dumps(ctx)], check=False, capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, f"expression {expr!r} failed: {proc.stderr}"
    return json.loads(proc.stdout)


class Walker:
    def __init__(self, bun: Path, run_ts, resources: dict, overrides: dict | None = None):
        self.bun, self.run_ts, self.resources = bun, run_ts, resources
        self.overrides = overrides or {}  # per-step argument overrides, e.g. {"store": {"table": ...}}

    def walk(self, flow_input: dict) -> Walk:
        props = FLOW["schema"]["properties"]
        fi = {k: v.get("default") for k, v in props.items()} | flow_input
        walk = Walk()
        for module in FLOW["value"]["modules"]:
            if not self._module(module, fi, walk):
                break
        return walk

    def _module(self, module: dict, fi: dict, walk: Walk) -> bool:
        value = module["value"]
        if value["type"] == "whileloopflow":
            return self._while(module, fi, walk)
        if value["type"] == "branchone":
            for branch in value["branches"]:
                if eval_js(self.bun, branch["expr"], {"results": walk.results, "flow_input": fi}):
                    walk.branch = branch["summary"]
                    return all(self._module(m, fi, walk) for m in branch["modules"])
            walk.branch = "default"
            return all(self._module(m, fi, walk) for m in value["default"])
        result = self._step(module, fi, walk)
        walk.results[module["id"]] = result
        stop = module.get("stop_after_if")
        if stop and eval_js(self.bun, stop["expr"], {"result": result, "results": walk.results, "flow_input": fi}):
            walk.stopped_after = module["id"]
            return False
        return True

    def _while(self, module: dict, fi: dict, walk: Walk) -> bool:
        (inner,) = module["value"]["modules"]
        outputs, index = [], 0
        while True:
            loop_input = fi | {"iter": {"index": index, "value": index}}
            ctx = {"results": walk.results, "flow_input": loop_input}
            if "sleep" in inner:
                walk.sleeps.append(self._transform(inner["sleep"], ctx))
            result = self._step(inner, loop_input, walk)
            outputs.append(result)
            walk.iterations = index + 1
            if eval_js(self.bun, inner["stop_after_if"]["expr"], {**ctx, "result": result}):
                break
            index += 1
        walk.results[module["id"]] = outputs
        return True

    def _transform(self, transform: dict, ctx: dict):
        if transform["type"] == "static":
            value = transform.get("value")
            if isinstance(value, str) and value.startswith("$res:"):
                return self.resources[value[len("$res:") :]]
            return value
        return eval_js(self.bun, transform["expr"], ctx)

    def _step(self, module: dict, fi: dict, walk: Walk):
        value = module["value"]
        ctx = {"results": walk.results, "flow_input": fi}
        args = {k: self._transform(t, ctx) for k, t in value["input_transforms"].items()}
        args |= self.overrides.get(module["id"], {})
        if value["type"] == "rawscript":
            script = FLOW_DIR / value["content"].split(" ", 1)[1]
            return self._run_ts(script, args, order=list(args))
        name = value["path"].rsplit("/", 1)[1]
        if (SCRIPTS / f"{name}.py").exists():
            try:
                return load_script(name).main(**args)
            except Exception as exc:
                raise FlowFailed(f"{module['id']}: {exc}") from exc
        meta = yaml.safe_load((SCRIPTS / f"{name}.script.yaml").read_text())
        return self._run_ts(SCRIPTS / f"{name}.ts", args, order=meta["schema"]["order"])

    def _run_ts(self, script: Path, args: dict, order: list):
        positional = [args.get(k) for k in order]
        while positional and positional[-1] is None:
            positional.pop()  # let the script's defaults apply, as Windmill does for absent args
        ok, out = self.run_ts(script, *positional)
        if not ok:
            raise FlowFailed(f"{script.name}: {out}")
        return out


__all__ = ["Walker", "FlowFailed", "ROOT"]

